"""One tick's plan in the making: the capacity left on each side, and the transfers chosen."""


class Tick:
    def __init__(self, upload, download):
        self.upload = upload  # sender -> transfers it may still send this tick
        self.download = download  # receiver -> transfers it may still receive
        self.incoming = set()  # (chunk, rack): a copy is on its way into that rack
        self.transfers = []
        self.sent = set()  # (sender, chunk) planned this tick

    def free(self, peers):
        """Those of ``peers`` with capacity left (a set)."""
        return peers & self.upload.keys()

    def open(self, peers):
        """Those of ``peers`` that can still receive (a set)."""
        return peers & self.download.keys()

    def add(self, sender, receiver, chunk, rack):
        self.transfers.append((sender, receiver, chunk))
        self.sent.add((sender, chunk))
        self.incoming.add((chunk, rack))
        _spend(self.upload, sender)
        _spend(self.download, receiver)

    def full(self):
        return not self.upload or not self.download


def _spend(capacity, peer):
    capacity[peer] -= 1
    if capacity[peer] == 0:
        del capacity[peer]
