# A copy of the pylru library (lrucache only), vendored so that the cache "has no
# dependency". Trimmed from pylru 1.2: a circular doubly linked list whose head is
# the most recently used node, and a dict from key to node.


class _dlnode(object):
    __slots__ = ("empty", "next", "prev", "key", "value")

    def __init__(self):
        self.empty = True


class lrucache(object):
    def __init__(self, size):
        self.table = {}
        self.head = _dlnode()
        self.head.next = self.head
        self.head.prev = self.head
        self.listSize = 1
        self.size(size)

    def __len__(self):
        return len(self.table)

    def __contains__(self, key):
        return key in self.table

    def peek(self, key, default=None):
        node = self.table.get(key)
        return default if node is None else node.value

    def get(self, key, default=None):
        if key not in self.table:
            return default
        return self[key]

    def __getitem__(self, key):
        node = self.table[key]
        self.mtf(node)
        self.head = node
        return node.value

    def __setitem__(self, key, value):
        if key in self.table:
            node = self.table[key]
            node.value = value
            self.mtf(node)
            self.head = node
            return
        if len(self.table) == self.listSize and self.listSize < self.maxSize:
            self.addTailNode(1)
        node = self.head.prev
        if not node.empty:
            del self.table[node.key]
        node.empty = False
        node.key = key
        node.value = value
        self.table[key] = node
        self.head = node

    def __delitem__(self, key):
        node = self.table[key]
        del self.table[key]
        node.empty = True
        node.key = None
        node.value = None
        self.mtf(node)
        self.head = node.next

    def items(self):
        node = self.head
        for _ in range(len(self.table)):
            yield (node.key, node.value)
            node = node.next

    def size(self, size=None):
        if size is not None:
            assert size > 0
            self.maxSize = size  # nodes are added as entries arrive, up to maxSize
        return self.maxSize

    def addTailNode(self, n):
        for _ in range(n):
            node = _dlnode()
            node.next = self.head
            node.prev = self.head.prev
            self.head.prev.next = node
            self.head.prev = node
        self.listSize += n

    def mtf(self, node):
        node.prev.next = node.next
        node.next.prev = node.prev
        node.prev = self.head.prev
        node.next = self.head.prev.next
        node.next.prev = node
        node.prev.next = node
