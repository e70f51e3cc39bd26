"""grow() allocates until the memory limit stops it."""


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        hoard = []
        while True:
            hoard.append(bytearray(50 * 1024 * 1024))
