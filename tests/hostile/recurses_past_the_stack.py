"""grow() lifts the recursion limit, then makes the interpreter recurse in C
(the repr of 200,000 nested lists) until the C stack overflows: the
process dies of a segmentation fault."""

import sys


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        sys.setrecursionlimit(10**9)
        nested = []
        for _ in range(200_000):
            nested = [nested]
        return len(repr(nested))
