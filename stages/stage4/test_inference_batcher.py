"""Stage 4 of the inference batcher: continuous batching.

The fake language model's next token depends on the whole sequence, so a
sequence fed the wrong history shows in its outputs. Every rule counts
model calls: which sequences each call held, compared with the contract's
iteration-level schedule, and how many calls the step workload takes.
"""

from __future__ import annotations

import math
import threading

import pytest

from stages.support.inference_batcher import (
    ABANDONED,
    BUDGET,
    CLOSE_FINISHES,
    GENERATE,
    GENERATE_ARGS,
    GENERATE_RELEASE,
    GROWN_BUDGET,
    ITERATION,
    JOINS_NEXT,
    ONCE_PER_CALL,
    PATIENCE,
    PREAMBLE,
    PROMPT_TOO_LONG,
    REFILL,
    RUNNING_NO_WAIT,
    SEQUENCE_INPUT,
    SEQUENCE_ISOLATION,
    SIT_OUT,
    STEPS,
    TIMEOUT_ARG,
    VALIDATED_FIRST,
    FakeModel,
    Poisoned,
    Trial,
    expected_tokens,
    next_token,
    poison_prefix,
    snippet,
)

LM = '''\
def model(inputs):  # next token: depends on the whole sequence
    print(f"model call: {inputs!r}")
    if any(x == ["plug"] for x in inputs):
        plug.wait(5)
    return [(sum((i + 1) * t for i, t in enumerate(s)) + 7 * len(s)) % 50 for s in inputs]

'''


def lm_snippet(body):
    return snippet(body, PREAMBLE + LM)


def language_model(**options):
    return FakeModel(next_token, **options)


# --------------------------------------------------------------------------- reading the calls


def sequence_of(t, x):
    """The prompt's first token of a sequence's input in a call, or None for another input."""
    if isinstance(x, list) and x and type(x[0]) is int and x[0] in t.sequences:
        return x[0]
    return None


def members(t, call):
    """The keys of a call's members: ('seq', first prompt token) or ('infer', id of the input)."""
    keys = []
    for x in call.inputs:
        first = sequence_of(t, x)
        keys.append(("seq", first) if first is not None else ("infer", id(x)))
    return keys


def check_sequences(t):
    """Each call: every sequence at most once, fed a new list of its prompt + tokens so far."""
    seen_objects = {}
    appearances = {}
    for call in t.model.calls:
        keys = [k for k in members(t, call) if k[0] == "seq"]
        twice = {k for k in keys if keys.count(k) > 1}
        if twice:
            t.fail(f"call {call.number} held the sequence of prompt {t.sequences[min(twice)[1]][0].subject} twice: {ONCE_PER_CALL}.")
        for x, snapshot in zip(call.inputs, call.snapshot):
            first = sequence_of(t, x)
            if first is None:
                continue
            client, _ = t.sequences[first]
            prompt = list(client.subject)
            if x is client.subject or id(x) in seen_objects:
                t.fail(f"call {call.number} got the same list object for the sequence of prompt {prompt} as an earlier call (or the prompt itself): {SEQUENCE_INPUT}.")
            seen_objects[id(x)] = x
            count = appearances.get(first, 0)
            appearances[first] = count + 1
            wanted = prompt + expected_tokens(prompt, count, None)
            # The stop token ends a sequence, so the expected history never passes it.
            if snapshot != wanted:
                t.fail(
                    f"call {call.number} fed the sequence of prompt {prompt} the input {snapshot}; "
                    f"on its call number {count + 1} it should be {wanted}: {SEQUENCE_INPUT}; {ONCE_PER_CALL}."
                )


def schedule(requests, max_batch_size):
    """The contract's iteration-level schedule: (key, steps) in arrival order -> keys per call."""
    waiting, running, calls = list(requests), [], []
    while waiting or running:
        joining = waiting[: max_batch_size - len(running)]
        waiting = waiting[len(joining):]
        members_ = running + [[key, steps] for key, steps in joining]
        calls.append(sorted(key for key, _ in members_))
        for member in members_:
            member[1] -= 1
        running = [m for m in members_ if m[1] > 0]
    return calls


def described(t, keys):
    names = []
    for kind, value in keys:
        if kind == "seq":
            names.append(f"seq{t.sequences[value][0].subject}")
        else:
            client = next((c for c in t.clients if id(c.subject) == value), None)
            names.append(client.what if client else "?")
    return names


# --------------------------------------------------------------------------- arguments

ARGS_SNIPPET = lm_snippet("""
    b = Batcher(model)
    b.generate("abc", 3)       # TypeError: a prompt is a list or a tuple
    b.generate([], 3)          # ValueError: empty
    b.generate([1, 2], True)   # TypeError
    b.generate([1, 2], 0)      # ValueError
    b.close()
    b.generate([1, 2], 0)      # still ValueError, not RuntimeError
""")
BAD_GENERATE = [
    ("abc", 3, {}, TypeError), (5, 3, {}, TypeError), (None, 3, {}, TypeError),
    ([], 3, {}, ValueError), ((), 3, {}, ValueError),
    ([1, 2], True, {}, TypeError), ([1, 2], 2.0, {}, TypeError), ([1, 2], "3", {}, TypeError),
    ([1, 2], 0, {}, ValueError), ([1, 2], -1, {}, ValueError),
    ([1, 2], 3, {"timeout": True}, TypeError), ([1, 2], 3, {"timeout": 0}, ValueError),
    ([1, 2], 3, {"timeout": math.nan}, ValueError),
]


@pytest.mark.parametrize(
    "prompt, count, options, error", BAD_GENERATE,
    ids=[f"{p!r}-{n!r}-{o}" for p, n, o, _ in BAD_GENERATE],
)
def test_generate_rejects_bad_arguments_closed_or_not_and_never_calls_the_model(solution, prompt, count, options, error):
    with Trial(solution, language_model(), ARGS_SNIPPET) as t:
        shown_options = "".join(f", {k}={v!r}" for k, v in options.items())
        what = f"b.generate({prompt!r}, {count!r}{shown_options})"
        rule = f"{GENERATE_ARGS}; {TIMEOUT_ARG}"
        t.expect_raises_now(error, what, lambda: t.batcher.generate(prompt, count, **options), rule)
        t.close()
        t.expect_raises_now(error, what + " after b.close()", lambda: t.batcher.generate(prompt, count, **options), f"{rule}; {VALIDATED_FIRST}")
        if t.model.calls:
            t.fail(f"the model got {t.model.calls[0].inputs}: {VALIDATED_FIRST}.")


# --------------------------------------------------------------------------- one sequence

ONE_SNIPPET = lm_snippet("""
    b = Batcher(model)
    print(b.generate([101, 5, 7], 6))     # 6 calls: [101, 5, 7], [101, 5, 7, t1], ...
    print(b.generate((102, 3), 4))        # a tuple prompt: each input is still a list
    b.close()
""")


@pytest.mark.parametrize("prompt, count", [([101, 5, 7], 6), ((102, 3), 4), ([103], 1)], ids=["list", "tuple", "one-token"])
def test_generate_returns_the_tokens_the_model_produced_one_per_call(solution, prompt, count):
    with Trial(solution, language_model(), ONE_SNIPPET) as t:
        client = t.generate(prompt, count)
        t.finish([client])
        t.expect_returned(client, expected_tokens(prompt, count), GENERATE)
        for call in t.model.calls:
            if not all(type(x) is list for x in call.inputs):
                t.fail(f"call {call.number} held {[type(x).__name__ for x in call.inputs]}: {SEQUENCE_INPUT}.")
        check_sequences(t)
        if len(t.model.calls) != count:
            t.fail(f"{count} tokens took {len(t.model.calls)} calls: {ONCE_PER_CALL}.")
        t.close()


def _stop_case():
    """A prompt whose third token is the first one equal to the stop token."""
    for first in range(110, 200):
        tokens = expected_tokens([first, 4], 10)
        if tokens[2] not in tokens[:2]:
            return [first, 4], tokens[2]
    raise AssertionError("no stop case")


STOP_PROMPT, STOP = _stop_case()
STOP_SNIPPET = lm_snippet(f"""
    b = Batcher(model)
    print(b.generate({STOP_PROMPT}, 10, stop={STOP}))   # 3 tokens, the last one == {STOP}
    b.close()
""")


def test_generate_stops_at_and_includes_the_first_stop_token(solution):
    with Trial(solution, language_model(), STOP_SNIPPET) as t:
        client = t.generate(STOP_PROMPT, 10, stop=STOP)
        t.finish([client])
        t.expect_returned(client, expected_tokens(STOP_PROMPT, 10, STOP), GENERATE)
        if len(t.model.calls) != 3:
            t.fail(f"the sequence stopped at its third token, yet the model was called {len(t.model.calls)} times: {GENERATE}.")
        t.close()


# --------------------------------------------------------------------------- iteration-level scheduling

SCHEDULE_SNIPPET = lm_snippet("""
    b = Batcher(model, max_batch_size=3)
    ask(b, ["plug"])
    threads = [threading.Thread(target=lambda p=p, n=n: print(p, b.generate(p, n)))
               for p, n in [([101], 4), ([102], 2), ([103], 3), ([104], 2)]]
    for th in threads: th.start(); time.sleep(0.05)
    threads.append(ask(b, [7, 7]))
    plug.set()      # calls: 101 102 103 | 101 102 103 | 101 103 104 | 101 104 [7, 7]
    for th in threads: th.join(5)
    b.close()
""")
MIXES = {
    "sequences": (3, [("g", [101], 4), ("g", [102], 2), ("g", [103], 3), ("g", [104], 2), ("i", [7, 7], 1), ("g", [105], 1)]),
    "refill": (2, [("g", [101], 5), ("g", [102], 1), ("g", [103], 2), ("i", [8], 1), ("g", [104], 3)]),
    "infer-first": (4, [("i", [1, 2], 1), ("g", [101, 3], 3), ("i", [3], 1), ("i", [4], 1), ("g", [102], 6), ("i", [5, 5], 1), ("g", [103], 2)]),
}


@pytest.mark.parametrize("mix", MIXES)
def test_each_call_holds_every_running_sequence_then_the_oldest_waiting_requests(solution, mix):
    size, requests = MIXES[mix]
    with Trial(solution, language_model(), SCHEDULE_SNIPPET, max_batch_size=size) as t:
        t.plug()
        keyed = []
        for kind, subject, count in requests:
            if kind == "g":
                client = t.queue_generate([(subject, count)])[0]
                keyed.append((("seq", subject[0]), count))
            else:
                client = t.queue([subject])[0]
                keyed.append((("infer", id(subject)), 1))
        t.release()
        t.finish(t.clients)
        for client in t.clients[1:]:
            if client.subject[0] in t.sequences and t.sequences[client.subject[0]][0] is client:
                t.expect_returned(client, t.expected(client), GENERATE)
            else:
                t.expect_returned(client, next_token(client.subject), "infer keeps working and may share calls")
        check_sequences(t)
        expected = schedule(keyed, size)
        got = [sorted(members(t, c)) for c in t.model.after_plug()]
        for number, (want, have) in enumerate(zip(expected, got), start=2):
            if want != have:
                t.fail(
                    f"call {number} held {described(t, have)}; expected {described(t, want)}: "
                    f"{ITERATION}; {REFILL}."
                )
        if len(got) != len(expected):
            t.fail(f"the requests took {len(got)} calls after the plug; expected {len(expected)}: {ITERATION}; {REFILL}.")
        t.close()


JOIN_SNIPPET = lm_snippet("""
    b = Batcher(model, max_batch_size=4)
    long = threading.Thread(target=lambda: print(b.generate([101], 6))); long.start()
    time.sleep(0.01)
    late = ask(b, [7, 7])            # accepted while [101] runs: in the very next call
    long.join(5); b.close()
""")


def test_a_request_accepted_during_a_call_joins_the_next_call(solution):
    joined = {}

    def add_in_second_call(call):
        if call.number == 2:
            joined["infer"] = t.add_during_call([[7, 7]])
            joined["generate"] = t.add_during_call_generate([([102, 1], 2)])

    with Trial(solution, language_model(during=add_in_second_call), JOIN_SNIPPET, max_batch_size=4) as t:
        long = t.generate([101], 6)
        t.finish([long])
        t.finish(t.clients)
        t.expect_no_problems()
        check_sequences(t)
        third = t.model.calls[2] if len(t.model.calls) > 2 else None
        held = [] if third is None else [list(x) for x in third.snapshot]
        for x in ([7, 7], [102, 1]):
            if x not in held:
                t.fail(f"{x} was accepted during call 2, yet call 3 held {held}: {JOINS_NEXT}.")
        t.expect_returned(long, expected_tokens([101], 6), GENERATE)
        t.close()


WAIT_SNIPPET = lm_snippet("""
    b = Batcher(model, max_batch_size=2, max_wait=30)
    threads = [threading.Thread(target=lambda p=p, n=n: print(b.generate(p, n)))
               for p, n in [([101], 1), ([102], 3)]]
    for th in threads: th.start()     # a full batch: at once; then [102] runs alone,
    for th in threads: th.join(5)     # and its next calls do not wait 30 s
    b.close()
""")


def test_max_wait_delays_a_call_only_while_nothing_runs(solution):
    with Trial(solution, language_model(), WAIT_SNIPPET, max_batch_size=2, max_wait=30) as t:
        short, long = t.generate([101], 1), t.generate([102], 3)
        long.done.wait(PATIENCE)
        if not long.done.is_set():
            t.fail(
                f"{long.what} had not returned {PATIENCE:g} s after a full batch started it "
                f"(max_wait 30): {RUNNING_NO_WAIT}."
            )
        t.finish([short, long])
        t.expect_returned(long, expected_tokens([102], 3), GENERATE)
        t.close()


RELEASE_SNIPPET = lm_snippet("""
    b = Batcher(model, max_batch_size=2)
    for p, n in [([101], 1), ([102], 4), ([103], 2)]:
        threading.Thread(target=lambda p=p, n=n: print(p, b.generate(p, n))).start()
    time.sleep(1); b.close()   # each list prints before the next model call line
""")


def test_generate_returns_before_the_call_after_its_last_token_starts(solution):
    model = language_model()
    model.release_rule = True
    with Trial(solution, model, RELEASE_SNIPPET, max_batch_size=2) as t:
        t.plug()
        clients = t.queue_generate([([101], 1), ([102], 4), ([103], 2), ([104], 3)])
        t.release()
        t.finish(clients, timeout=4 * PATIENCE)
        for client in clients:
            t.expect_returned(client, t.expected(client), GENERATE)
        problems = [p.replace("RELEASE", "") for p in model.problems]
        if problems:
            t.fail(problems[0].split(": release:")[0] + f": {GENERATE_RELEASE}.")
        t.close()


def _count(t, client):
    return client.max_new_tokens


STEPS_SNIPPET = lm_snippet("""
    b = Batcher(model, max_batch_size=4)
    ask(b, ["plug"])
    for i in range(16):
        threading.Thread(target=lambda i=i: b.generate([100 + i], [32, 2, 2, 2][i % 4])).start()
        time.sleep(0.02)
    calls = []                       # count the model calls after the plug: at most 70
    plug.set(); time.sleep(2); b.close()
""")


def test_the_step_workload_finishes_within_70_calls(solution):
    with Trial(solution, language_model(), STEPS_SNIPPET, max_batch_size=4) as t:
        t.plug()
        clients = t.queue_generate([([100 + i], [32, 2, 2, 2][i % 4]) for i in range(16)])
        t.release()
        t.finish(clients, timeout=3 * PATIENCE)
        for client in clients:
            t.expect_returned(client, t.expected(client), GENERATE)
        calls = len(t.model.after_plug())
        if calls > 70:
            t.fail(f"the 16 requests took {calls} calls after the plug (continuous: 44; static batches waiting for their longest: 128): {STEPS}.")
        t.close()


# --------------------------------------------------------------------------- the budget

BUDGET_SNIPPET = lm_snippet("""
    b = Batcher(model, max_batch_size=4, max_tokens=40)
    b.generate([1] * 30, 11)      # ValueError at once: 30 + 11 > 40
    print(b.generate([101] * 30, 10))  # fine: 30 + 10 = 40
    b.close()
""")


def test_a_prompt_that_could_outgrow_max_tokens_raises_value_error_at_once(solution):
    with Trial(solution, language_model(), BUDGET_SNIPPET, max_batch_size=4, max_tokens=40) as t:
        t.expect_raises_now(ValueError, "b.generate([1] * 30, 11)", lambda: t.batcher.generate([1] * 30, 11), PROMPT_TOO_LONG)
        t.expect_raises_now(ValueError, "b.generate([1] * 41, 1)", lambda: t.batcher.generate([1] * 41, 1), PROMPT_TOO_LONG)
        if t.model.calls:
            t.fail(f"the model got {t.model.calls[0].inputs}: {PROMPT_TOO_LONG}.")
        fine = t.generate([101] + [1] * 29, 10)
        t.finish([fine])
        t.expect_returned(fine, expected_tokens([101] + [1] * 29, 10), f"{GENERATE} (30 + 10 = 40 fits)")
        t.close()


GROWN_SNIPPET = lm_snippet("""
    b = Batcher(model, max_batch_size=4, max_tokens=40)
    ask(b, ["plug"])
    jobs = [([101] * 8, 12), ([102] * 3, 20), ([103] * 10, 4), ([104] * 2, 30), ([105] * 5, 5)]
    threads = [threading.Thread(target=lambda p=p, n=n: print(b.generate(p, n))) for p, n in jobs]
    for th in threads: th.start(); time.sleep(0.02)
    plug.set()      # no call may cost more than 40, counting each sequence as grown
    for th in threads: th.join(5)
    b.close()
""")
GROWN = {
    "mixed": (4, 40, [("g", 8, 12), ("g", 3, 20), ("g", 10, 4), ("i", 9, 1), ("g", 2, 30), ("g", 5, 5), ("i", 2, 1), ("g", 6, 6)]),
    "tight": (3, 24, [("g", 4, 8), ("g", 4, 8), ("g", 4, 8), ("g", 2, 20), ("i", 12, 1), ("g", 6, 2)]),
    "wide": (8, 64, [("g", 1 + i % 5, 3 + (7 * i) % 13) for i in range(12)] + [("i", 20, 1)]),
}


@pytest.mark.parametrize("mix", GROWN)
def test_every_call_counting_sequences_as_grown_is_within_max_tokens(solution, mix):
    size, budget, requests = GROWN[mix]
    with Trial(solution, language_model(), GROWN_SNIPPET, max_batch_size=size, max_tokens=budget) as t:
        t.plug()
        for n, (kind, length, count) in enumerate(requests):
            if kind == "g":
                t.queue_generate([([101 + n] + [1] * (length - 1), count)])
            else:
                t.queue([[n] * length])
        t.release()
        t.finish(t.clients, timeout=3 * PATIENCE)
        check_sequences(t)
        for client in t.clients[1:]:
            if client.subject[0] in t.sequences:
                t.expect_returned(client, t.expected(client), GENERATE)
            else:
                t.expect_returned(client, next_token(client.subject), "infer keeps working and may share calls")
        calls = t.model.after_plug()
        for call in calls:
            lengths = [len(x) for x in call.snapshot]
            if len(lengths) > size or len(lengths) * max(lengths) > budget:
                t.fail(
                    f"call {call.number} held inputs of lengths {lengths} (sequences as grown): padded "
                    f"cost {len(lengths)} x {max(lengths)} = {len(lengths) * max(lengths)} with max_tokens "
                    f"{budget}, max_batch_size {size}: {GROWN_BUDGET}; {BUDGET}."
                )
        sat_out = check_sit_out(t, size, budget)
        if sat_out:
            t.fail(sat_out)
        starving = t.starvation()
        if starving:
            t.fail(starving + " (infer and generate requests share one arrival order).")
        t.close()


def check_sit_out(t, size, budget):
    """The first call that left out a running sequence without the contract's reason, or None."""
    progress = {}  # first prompt token -> tokens so far
    first_sent = t.first_sent()
    for call in t.model.after_plug():
        keys = members(t, call)
        inside = {k[1] for k in keys if k[0] == "seq"}
        lengths = [len(x) for x in call.snapshot]
        new = [k for k in keys if first_sent.get(_first_key(t, k)) == call.number]
        for first, done in progress.items():
            client, _ = t.sequences[first]
            total = _count(t, client)
            finished = done >= len(expected_tokens(client.subject, total))
            if finished or first in inside:
                continue
            grown = len(client.subject) + done
            breaks_cap = len(lengths) + 1 > size or (len(lengths) + 1) * max(lengths + [grown]) > budget
            if new or not breaks_cap:
                why = "new requests joined that call" if new else "adding it would break no cap"
                return (
                    f"call {call.number} left out the running sequence of prompt {list(client.subject)} "
                    f"({done} tokens so far), and {why}: {SIT_OUT}."
                )
        for first in inside:
            progress[first] = progress.get(first, 0) + 1
    return None


def _first_key(t, key):
    kind, value = key
    return hash(("sequence", value)) if kind == "seq" else value


# --------------------------------------------------------------------------- timeouts, failures, close

TIMEOUT_SNIPPET = lm_snippet("""
    def slow(inputs):
        time.sleep(0.05); return model(inputs)

    b = Batcher(slow, max_batch_size=4)
    try:
        b.generate([101], 1000, timeout=0.3)     # TimeoutError after 0.3 s ...
    except TimeoutError:
        print("timed out")                       # ... and [101, ...] leaves the next calls
    time.sleep(0.3); b.close()
""")


def test_a_sequence_whose_caller_timed_out_is_in_no_call_assembled_after_that(solution):
    state = {}

    def hold_until_timed_out(call):
        # In the third call holding the doomed sequence, wait (inside the model) until its
        # caller has its TimeoutError: every call assembled after this one must leave it out.
        if any(len(x) == 3 and x[:1] == [101] for x in call.snapshot):
            doomed, _ = t.sequences[101]
            doomed.done.wait(PATIENCE)
            state["after"] = call.number

    with Trial(solution, language_model(during=hold_until_timed_out), TIMEOUT_SNIPPET, max_batch_size=4) as t:
        doomed = t.generate([101], 200, timeout=0.2)
        other = t.generate([102], 12)
        t.finish([doomed, other], timeout=2 * PATIENCE)
        t.expect_raised(doomed, TimeoutError, None, ABANDONED)
        t.expect_returned(other, expected_tokens([102], 12), GENERATE)
        after = state.get("after")
        if after is None:
            t.fail(f"the sequence of prompt [101] never reached its third call: {ITERATION}.")
        later = [c.number for c in t.model.calls if c.number > after + 0 and any(x[:1] == [101] for x in c.snapshot if isinstance(x, list))]
        if later:
            t.fail(f"{doomed.what} raised TimeoutError during call {after}, yet call {later[0]} still held its sequence: {ABANDONED}.")
        t.close()


FAIL_SNIPPET = lm_snippet("""
    def fragile(inputs):
        if any(s[0] == 666 for s in inputs): raise ValueError("poison")
        return model(inputs)

    b = Batcher(fragile, max_batch_size=4)
    for p in ([101], [666], [102], [103]):
        threading.Thread(target=lambda p=p: print(p, b.generate(p, 5))).start()
    time.sleep(1); b.close()   # three lists of 5 tokens; [666] gets ValueError
""")


def test_a_raising_call_ends_only_the_sequences_whose_lone_call_raised(solution):
    model = language_model(fails=poison_prefix(666))
    with Trial(solution, model, FAIL_SNIPPET, max_batch_size=4) as t:
        t.plug()
        clients = t.queue_generate([([101], 5), ([666, 1], 5), ([102], 7), ([103], 3)])
        t.release()
        t.finish(clients, timeout=3 * PATIENCE)
        for client in clients:
            if client.subject[0] == 666:
                t.expect_raised(client, Poisoned, None, SEQUENCE_ISOLATION)
            else:
                t.expect_returned(client, t.expected(client), SEQUENCE_ISOLATION)
        t.close()


CLOSE_SNIPPET = lm_snippet("""
    b = Batcher(model, max_batch_size=2)
    threads = [threading.Thread(target=lambda p=p: print(p, b.generate(p, 8))) for p in ([101], [102], [103])]
    for th in threads: th.start()
    b.close()                    # returns after all three have their 8 tokens
""")


def test_close_lets_running_sequences_finish(solution):
    with Trial(solution, language_model(), CLOSE_SNIPPET, max_batch_size=2) as t:
        t.plug()
        clients = t.queue_generate([([101], 8), ([102], 8), ([103], 3)])
        closing = threading.Thread(target=t.batcher.close, daemon=True)
        closing.start()
        t.release()
        closing.join(2 * PATIENCE)
        if closing.is_alive():
            t.fail(f"deadlock suspected: b.close() had not returned {2 * PATIENCE:g} s later: {CLOSE_FINISHES}.")
        t.finish(clients, f"b.close() had returned: {CLOSE_FINISHES}")
        for client in clients:
            t.expect_returned(client, t.expected(client), CLOSE_FINISHES)
