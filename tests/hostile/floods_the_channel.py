"""Finds the grader's result channel in its own interpreter (gc) and floods
it with 40 signed events of 1 MB each, more than the channel's cap. The
grader must keep its memory bounded, drain the pipe, and grade the kata
tampered. Its methods are all wrong."""

import gc

for obj in gc.get_objects():
    if type(obj).__name__ == "Channel" and hasattr(obj, "send"):
        for _ in range(40):
            obj.send("noise", padding="x" * (1 << 20))
        break


class Toy:
    def value(self):
        return 0

    def grow(self):
        return 0
