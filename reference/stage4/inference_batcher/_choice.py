"""Which waiting requests join the next model call: the scheduling policy, apart from the worker.

Both functions take the waiting requests in arrival order and the members
already in the call (running sequences), and return the requests to add.
"""


def oldest_first(waiting, members, max_batch_size):
    """As many of the oldest waiting requests as there is room for."""
    return list(waiting[: max_batch_size - len(members)])


def padded_cost(requests):
    """A call's padded cost: its number of inputs times its longest (as reserved)."""
    return len(requests) * max((r.reserved() for r in requests), default=0)


def bucketed(waiting, members, max_batch_size, max_tokens):
    """The oldest waiting request, then the nearest in length, while the budget holds.

    Always starting from the oldest means no request waits behind newer ones
    (nothing starves), and filling with similar lengths keeps padding low.
    If the oldest does not fit beside the running sequences, nothing joins:
    they finish first (head-of-line order, no preemption needed).
    """
    if not waiting or len(members) >= max_batch_size:
        return []
    oldest = waiting[0]
    chosen = [oldest]
    if padded_cost(members + chosen) > max_tokens:
        return []
    by_nearness = sorted(
        range(1, len(waiting)),
        key=lambda i: (abs(waiting[i].reserved() - oldest.reserved()), i),
    )
    for i in by_nearness:
        if len(members) + len(chosen) == max_batch_size:
            break
        if padded_cost(members + chosen + [waiting[i]]) <= max_tokens:
            chosen.append(waiting[i])
    return chosen
