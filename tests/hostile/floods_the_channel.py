"""Finds the grader's result channel in its own interpreter (gc) and floods
it with 400 signed events of 1 MB each. The grader must keep its memory,
drain the pipe, and grade the kata tampered. Its methods are all wrong."""

import gc

for obj in gc.get_objects():
    if type(obj).__name__ == "Channel" and hasattr(obj, "send"):
        for _ in range(400):
            obj.send("noise", padding="x" * (1 << 20))
        break


class Toy:
    def value(self):
        return 0

    def grow(self):
        return 0
