"""grow() raises KeyboardInterrupt, which stops a pytest run where it is."""


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        raise KeyboardInterrupt
