"""At import, stops and kills its ancestors (the grader among them, found
through /proc) with SIGSTOP, SIGTERM, SIGHUP and SIGKILL. The grader must
neither hang nor die, and must still write its report. Its methods are all
wrong. (Only ancestors: a test run must never signal anything else.)"""

import os
import signal


def _ancestors():
    pid, out = os.getppid(), []
    for _ in range(10):
        if pid <= 1:
            break
        out.append(pid)
        try:
            with open(f"/proc/{pid}/status") as f:
                pid = int(next(l for l in f if l.startswith("PPid:")).split()[1])
        except (OSError, StopIteration, ValueError):
            break
    return out


for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL):
    for pid in _ancestors():
        try:
            os.kill(pid, sig)
        except OSError:
            pass


class Toy:
    def value(self):
        return 0

    def grow(self):
        return 0
