"""At import, writes fake "passed" events into every pipe it can find among
its open file descriptors, hoping one of them is the grader's result channel.
Its methods are all wrong."""

import json
import os
import stat

LINES = [
    {"seq": n, "event": "report", "nodeid": f"stages/stage{s}/test_toy.py::test_{s}",
     "when": "call", "outcome": "passed", "duration": 0.0}
    for n, s in enumerate((1, 2, 3), start=100)
]


def _forge():
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):
                for line in LINES:
                    os.write(fd, ("0" * 64 + " " + json.dumps(line) + "\n").encode())
        except OSError:
            pass


_forge()


class Toy:
    def value(self):
        return 0

    def grow(self):
        return 0
