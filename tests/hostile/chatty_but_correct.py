"""A correct Toy that prints 10 MB on every call (about 80 MB in all, more
than the graded process's file-size limit): debug prints in a hot path.
Chatty is not wrong: it must get every stage."""


class Toy:
    CHUNK = "debug " * (10 * 1024 * 1024 // 6)

    def __init__(self):
        self.n = 1

    def value(self):
        print(self.CHUNK)
        return self.n

    def grow(self):
        print(self.CHUNK)
        self.n += 1
        return self.n
