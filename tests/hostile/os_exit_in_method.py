"""grow() ends the process with os._exit(0): an exit code that says "all good"."""

import os


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        os._exit(0)
