"""grow() ignores the per-test timeout's alarm and loops: only the kata's
wall-clock limit (the grader killing the process group) can stop it."""

import signal


class Toy:
    def __init__(self):
        self.n = 1

    def value(self):
        return self.n

    def grow(self):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        while True:
            self.n += 1
