"""Stage 3 of the inference batcher: a token budget, and padding.

Everything here counts: each call's padded cost (inputs x longest), the
padding efficiency of a fixed bimodal workload, and how many calls send
newer requests while the oldest waits. No timing.
"""

from __future__ import annotations

import random
import threading

import pytest

from stages.support.inference_batcher import (
    BATCHES,
    BUDGET,
    EFFICIENCY,
    NO_LEN,
    ONCE,
    OWN_OUTPUT,
    TOKENS_ARG,
    TOO_LONG,
    FakeModel,
    NoLen,
    Trial,
    bimodal,
    efficiency,
    snippet,
)

# --------------------------------------------------------------------------- arguments

TOKENS_SNIPPET = snippet("""
    Batcher(model, max_tokens=256)   # fine; None (the default) too
    Batcher(model, max_tokens=True)  # TypeError
    Batcher(model, max_tokens=0)     # ValueError
""")
BAD_TOKENS = [(True, TypeError), (256.0, TypeError), ("256", TypeError), (0, ValueError), (-5, ValueError)]


@pytest.mark.parametrize("tokens, error", BAD_TOKENS, ids=[repr(v) for v, _ in BAD_TOKENS])
def test_max_tokens_must_be_none_or_an_int_of_at_least_one(solution, tokens, error):
    with Trial(solution, FakeModel(), TOKENS_SNIPPET) as t:
        t.expect_raises_now(error, f"Batcher(model, max_tokens={tokens!r})", lambda: _closed_after(solution(FakeModel(), max_tokens=tokens)), TOKENS_ARG)
        for fine in (None, 1, 256):
            _closed_after(t.call(f"Batcher(model, max_tokens={fine!r})", lambda fine=fine: solution(FakeModel(), max_tokens=fine)))


def _closed_after(batcher):
    threading.Thread(target=batcher.close, daemon=True).start()
    return batcher


INPUTS_SNIPPET = snippet("""
    b = Batcher(model, max_tokens=8)
    b.infer(42)            # TypeError: an int has no len()
    b.infer("x" * 9)       # ValueError: longer than max_tokens
    b.infer("x" * 8)       # fine: exactly max_tokens
    b.close()
""")


def test_with_max_tokens_an_input_without_a_len_raises_type_error_and_is_never_sent(solution):
    with Trial(solution, FakeModel(), INPUTS_SNIPPET, max_tokens=8) as t:
        for bad in (42, NoLen(), None):
            t.expect_raises_now(TypeError, f"b.infer({bad!r})", lambda bad=bad: t.batcher.infer(bad), NO_LEN)
        fine = t.ask("x" * 8)
        t.finish([fine])
        t.expect_answers([fine], f"{TOO_LONG} (len(x) == max_tokens is fine)")
        if len(t.model.calls) != 1:
            t.fail(f"the model got {[c.inputs for c in t.model.calls]}; only 'xxxxxxxx' should reach it: {NO_LEN}.")
        t.close()


def test_with_max_tokens_an_input_longer_than_max_tokens_raises_value_error_and_is_never_sent(solution):
    with Trial(solution, FakeModel(), INPUTS_SNIPPET, max_tokens=8) as t:
        for bad in ("x" * 9, [0] * 100, tuple(range(9))):
            t.expect_raises_now(ValueError, f"b.infer({bad!r})", lambda bad=bad: t.batcher.infer(bad), TOO_LONG)
        if t.model.calls:
            t.fail(f"the model got {t.model.calls[0].inputs}: {TOO_LONG}.")
        t.close()


# --------------------------------------------------------------------------- the budget

BUDGET_SNIPPET = snippet("""
    b = Batcher(model, max_batch_size=8, max_tokens=20)
    ask(b, "plug")
    threads = [ask(b, "x" * n) for n in [1, 20, 2, 19, 10, 3, 5, 18, 7, 1, 1, 1]]
    plug.set()                  # no call's (inputs x longest) may exceed 20
    for t in threads: t.join(5)
    b.close()
""")
WORKLOADS = {
    "short-first": (8, 20, [1, 20, 2, 19, 10, 3, 5, 18, 7, 1, 1, 1]),
    "long-last": (8, 20, [1, 1, 1, 1, 1, 1, 1, 20]),
    "random": (6, 40, [random.Random(7).randint(1, 40) for _ in range(30)]),
    "exact": (4, 12, [3, 3, 3, 3, 3, 4, 4, 4, 12, 6, 6]),
    "many-short": (4, 64, [1] * 12 + [2] * 4),
}


@pytest.mark.parametrize("name", WORKLOADS)
def test_no_call_costs_more_than_max_tokens(solution, name):
    size, budget, lengths = WORKLOADS[name]
    with Trial(solution, FakeModel(), BUDGET_SNIPPET, max_batch_size=size, max_tokens=budget) as t:
        t.plug()
        inputs = [[i] * n for i, n in enumerate(lengths)]
        clients = t.queue(inputs)
        t.release()
        t.finish(clients)
        t.expect_answers(clients, OWN_OUTPUT)
        t.expect_no_problems()
        for call in t.model.after_plug():
            cost = call.cost()
            if cost > budget or len(call.inputs) > size:
                lengths_in = [len(x) for x in call.inputs]
                t.fail(
                    f"call {call.number} held inputs of lengths {lengths_in}: padded cost "
                    f"{len(lengths_in)} x {max(lengths_in)} = {cost}, with max_tokens {budget} "
                    f"(max_batch_size {size}): {BUDGET}."
                )
        sent = sum(len(c.inputs) for c in t.model.after_plug())
        if sent != len(inputs):
            t.fail(f"the calls after the plug held {sent} inputs for {len(inputs)} requests: {ONCE}.")
        t.close()


# --------------------------------------------------------------------------- padding

EFFICIENCY_SNIPPET = snippet("""
    import random
    rng = random.Random(2024)
    lengths = [rng.randint(1, 8) if i % 2 == 0 else rng.randint(57, 64) for i in range(64)]
    b = Batcher(model, max_batch_size=8, max_tokens=256)
    ask(b, "plug")
    threads = [ask(b, "x" * n) for n in lengths]
    plug.set()       # count real tokens and inputs x longest over the calls that follow
    for t in threads: t.join(5)
    b.close()
""")
def test_padding_efficiency_on_the_bimodal_workload_is_at_least_0_8_in_at_most_16_calls(solution):
    with Trial(solution, FakeModel(), EFFICIENCY_SNIPPET, max_batch_size=8, max_tokens=256) as t:
        t.plug()
        inputs = [[i] * n for i, n in enumerate(bimodal())]
        clients = t.queue(inputs)
        t.release()
        t.finish(clients)
        t.expect_answers(clients)
        calls = t.model.after_plug()
        ratio, real, padded = efficiency(calls)
        for call in calls:
            if call.cost() > 256:
                t.fail(f"call {call.number} costs {call.cost()}: {BUDGET}.")
            if len(call.inputs) > 8:
                t.fail(f"call {call.number} got {len(call.inputs)} inputs: {BATCHES} (8).")
        if ratio < 0.8 or len(calls) > 16:
            t.fail(
                f"the 64 requests took {len(calls)} calls with {real} real tokens for a padded cost of "
                f"{padded}: efficiency {ratio:.2f} (oldest first gets 0.52 in 16, one per call 64 "
                f"calls): {EFFICIENCY}."
            )
        t.close()


# --------------------------------------------------------------------------- starvation

STARVE_SNIPPET = snippet("""
    b = Batcher(model, max_batch_size=8, max_tokens=64)
    ask(b, "plug")
    threads = [ask(b, "s" * 2) for _ in range(8)] + [ask(b, "L" * 60)]
    for _ in range(10):                   # short requests keep coming ...
        threads += [ask(b, "s" * 2) for _ in range(8)]
        plug.set()
    # ... yet "LLL..." goes within 4 calls of becoming the oldest waiting request
    for t in threads: t.join(5)
    b.close()
""")


def test_the_oldest_waiting_request_goes_before_more_than_4_calls_send_newer_ones(solution):
    extra_calls, per_call = 10, 8
    added, long_sent = [], []

    def keep_adding(call):
        """The fake adds short requests in each call while the long one waits."""
        long_sent.extend(x for x in call.inputs if len(x) >= 60)
        if len(added) < extra_calls and not long_sent:
            added.append(call.number)
            t.add_during_call([[1000 + 10 * call.number + i] * 2 for i in range(per_call)])

    model = FakeModel(during=keep_adding)
    with Trial(solution, model, STARVE_SNIPPET, max_batch_size=8, max_tokens=64) as t:
        t.plug()
        first = t.queue([[i] * 2 for i in range(8)]) + t.queue([[99] * 60]) + t.queue([[100 + i] * 2 for i in range(8)])
        t.release()
        t.finish(first)
        t.finish(t.clients)
        t.expect_no_problems()
        t.expect_answers(t.clients)
        starving = t.starvation()
        if starving:
            t.fail(starving + ".")
        t.close()
