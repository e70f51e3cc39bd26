"""grow() deadlocks: two threads each hold one lock and wait for the other,
while the test's thread waits for them forever (non-daemon threads, too)."""

import threading


class Toy:
    def __init__(self):
        self.n = 1
        self.a = threading.Lock()
        self.b = threading.Lock()

    def value(self):
        return self.n

    def _one(self, first, second, ready):
        with first:
            ready.wait()
            with second:
                self.n += 1

    def grow(self):
        ready = threading.Barrier(2)
        threads = [
            threading.Thread(target=self._one, args=(self.a, self.b, ready)),
            threading.Thread(target=self._one, args=(self.b, self.a, ready)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return self.n
