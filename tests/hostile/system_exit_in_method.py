"""grow() raises SystemExit with a message."""


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        raise SystemExit("toy: bye")
