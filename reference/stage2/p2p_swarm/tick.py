"""One tick's plan in the making: the capacity left on each side, and the transfers chosen."""


class Tick:
    def __init__(self, upload, download):
        self.upload = upload  # sender -> transfers it may still send this tick
        self.download = download  # receiver -> transfers it may still receive
        self.planned = set()  # chunks with a copy on its way this tick
        self.transfers = []

    def free(self, peers):
        """Those of ``peers`` with upload left (a set)."""
        return peers & self.upload.keys()

    def open(self, peers):
        """Those of ``peers`` that can still receive (a set)."""
        return peers & self.download.keys()

    def add(self, sender, receiver, chunk):
        self.transfers.append((sender, receiver, chunk))
        self.planned.add(chunk)
        _spend(self.upload, sender)
        _spend(self.download, receiver)

    def full(self):
        return not self.upload or not self.download


def _spend(capacity, peer):
    capacity[peer] -= 1
    if capacity[peer] == 0:
        del capacity[peer]
