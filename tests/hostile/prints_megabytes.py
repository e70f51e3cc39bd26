"""grow() prints 10 MB, then answers wrong, so pytest shows all of it."""


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        line = "spam " * 200
        for _ in range(10 * 1024):
            print(line)
        return -1
