"""grow() returns a value whose comparison and truth raise unittest.SkipTest."""

import unittest


class Sly:
    def __eq__(self, other):
        raise unittest.SkipTest("nothing to see")

    def __bool__(self):
        raise unittest.SkipTest("nothing to see")

    def __repr__(self):
        raise unittest.SkipTest("nothing to see")


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        return Sly()
