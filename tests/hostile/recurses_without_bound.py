"""grow() recurses forever: Python's recursion limit stops it."""


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        return self.grow() + 1
