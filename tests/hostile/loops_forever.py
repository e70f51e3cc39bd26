"""grow() never returns: the per-test timeout must stop it, test by test."""


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        while True:
            self.n += 1
