"""Stage 1 of the inference batcher: batching.

Every test drives the learner's ``Batcher`` over a fake model that records
its calls. Requests are queued behind a plug (a model call the test holds),
one at a time, so which requests share a call is exact: rules count model
calls, not seconds. Only the idle-time test measures time, with the
contract's margin.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dojo.testing import run_threads
from stages.support.inference_batcher import (
    BATCHES,
    CLOSE,
    CLOSED,
    DEADLOCK_HINT,
    IDLE_TIME,
    MODEL_ARG,
    MODEL_RAISES,
    NO_IDLING,
    ONCE,
    OWN_OUTPUT,
    PATIENCE,
    PENDING,
    PREAMBLE,
    SIZE_ARG,
    WITH,
    WRONG_LENGTH,
    Client,
    FakeModel,
    Same,
    Trial,
    answer,
    shown,
    snippet,
)


class ModelFailed(Exception):
    """What the tests' failing models raise."""


def check_batches(trial, max_batch_size):
    """Every call: a new non-empty list of at most max_batch_size; each request sent once; no overlap."""
    trial.expect_no_problems()
    for call in trial.model.calls:
        if len(call.inputs) > max_batch_size:
            trial.fail(f"call {call.number} got {len(call.inputs)} inputs: {BATCHES} ({max_batch_size}).")
    sent = {}
    for call in trial.model.calls:
        for x in call.given:
            sent.setdefault(id(x), []).append(call.number)
    asked = Counter(id(client.subject) for client in trial.clients)
    for client in trial.clients:
        calls = sent.get(id(client.subject), [])
        if len(calls) != asked[id(client.subject)]:
            trial.fail(f"{client.what}: its input was in calls {calls}: {ONCE}.")


# --------------------------------------------------------------------------- arguments

CONSTRUCT = snippet("""
    Batcher(42)                       # TypeError: the model must be callable
    Batcher(model, max_batch_size=0)  # ValueError
""")


def test_a_model_that_is_not_callable_raises_type_error(solution):
    for model in (42, None, "model", [print]):
        try:
            solution(model)
        except TypeError:
            continue
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"Batcher({model!r}) raised {type(exc).__name__}: {exc}; expected TypeError: {MODEL_ARG}.\n\n{CONSTRUCT}", pytrace=False)
        pytest.fail(f"Batcher({model!r}) returned a batcher; expected TypeError: {MODEL_ARG}.\n\n{CONSTRUCT}", pytrace=False)


@pytest.mark.parametrize(
    "size, error",
    [(True, TypeError), (False, TypeError), (2.0, TypeError), ("8", TypeError), (None, TypeError),
     (0, ValueError), (-1, ValueError)],
    ids=["True", "False", "2.0", "'8'", "None", "0", "-1"],
)
def test_max_batch_size_must_be_an_int_of_at_least_one(solution, size, error):
    made = []
    try:
        made.append(solution(FakeModel(), max_batch_size=size))
    except error:
        return
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        pytest.fail(
            f"Batcher(model, max_batch_size={size!r}) raised {type(exc).__name__}: {exc}; expected "
            f"{error.__name__}: {SIZE_ARG}.\n\n{CONSTRUCT}", pytrace=False,
        )
    finally:
        for b in made:
            threading.Thread(target=b.close, daemon=True).start()
    pytest.fail(
        f"Batcher(model, max_batch_size={size!r}) returned a batcher; expected {error.__name__}: "
        f"{SIZE_ARG}.\n\n{CONSTRUCT}", pytrace=False,
    )


# --------------------------------------------------------------------------- one request

ONE = snippet("""
    b = Batcher(model)
    b.infer("a")      # 'answer to ...' after one model call holding ["a"]
    b.close()
""")


def test_infer_returns_the_models_output_for_its_input(solution):
    with Trial(solution, FakeModel(), ONE) as t:
        x = ["a", "list", "input"]
        client = t.ask(x)
        t.finish([client])
        t.expect_returned(client, answer(x), "infer(x) blocks until x has been through the model; returns the model's output for x")
        if [c.inputs for c in t.model.calls] != [[x]] or t.model.calls[0].inputs[0] is not x:
            t.fail(f"the model's calls held {[c.inputs for c in t.model.calls]}; expected one call holding the caller's own object: {BATCHES}.")
        check_batches(t, 100)
        t.close()


# --------------------------------------------------------------------------- batches

TWENTY = snippet("""
    b = Batcher(model, max_batch_size=8)
    ask(b, "plug")                      # the first call holds ...
    threads = [ask(b, i) for i in range(1, 21)]
    plug.set()                          # ... then calls of 1-8, 9-16, 17-20
    for t in threads: t.join(5)
    b.close()
""")


def test_twenty_waiting_requests_go_in_calls_of_the_oldest_eight_then_eight_then_four(solution):
    with Trial(solution, FakeModel(), TWENTY, max_batch_size=8) as t:
        t.plug()
        clients = t.queue(range(1, 21))
        t.release()
        t.finish(clients)
        got = [sorted(c.inputs) for c in t.model.after_plug()]
        expected = [list(range(1, 9)), list(range(9, 17)), list(range(17, 21))]
        if got != expected:
            t.fail(f"after the plug, the calls held {got}; expected {expected}: {NO_IDLING} (order inside a call free).")
        check_batches(t, 8)
        t.expect_answers(clients)
        t.close()


SAME = """\
class Same:  # equal to every other Same, unhashable
    __hash__ = None
    def __init__(self, tag): self.tag = tag
    def __eq__(self, other): return isinstance(other, Same)
    def __repr__(self): return f"Same({self.tag})"

"""
EQUAL = SAME + snippet("""
    b = Batcher(model, max_batch_size=8)
    ask(b, "plug")
    threads = [ask(b, Same(i)) for i in range(5)] + [ask(b, [1, 2]), ask(b, [1, 2])]
    plug.set()
    for t in threads: t.join(5)
    b.close()
""")


def test_each_caller_gets_its_own_output_even_for_equal_or_unhashable_inputs(solution):
    with Trial(solution, FakeModel(), EQUAL, max_batch_size=8) as t:
        t.plug()
        inputs = [Same(i) for i in range(5)] + [[1, 2], [1, 2], {"k": 1}]
        clients = t.queue(inputs)
        t.release()
        t.finish(clients)
        t.expect_answers(clients, f"{OWN_OUTPUT}: any object is an input (equal or unhashable ones too)")
        check_batches(t, 8)
        t.close()


# Each example queues its requests behind a plug, a few milliseconds each: twenty
# examples cover sizes 1-5 and every kind of input, in well under a second.
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.integers(1, 5),
    kinds=st.lists(st.sampled_from(["int", "same", "list", "dict"]), min_size=1, max_size=12),
)
def test_calls_take_the_oldest_waiting_requests_as_many_as_fit(solution, size, kinds):
    body = "\n".join(
        [f"b = Batcher(model, max_batch_size={size})", 'ask(b, "plug")']
        + [f"ask(b, {shown(_make(k, i))})" for i, k in enumerate(kinds)]
        + ["plug.set(); time.sleep(0.5)", "b.close()"]
    )
    with Trial(solution, FakeModel(), snippet(body, PREAMBLE + SAME), max_batch_size=size) as t:
        t.plug()
        inputs = [_make(k, i) for i, k in enumerate(kinds)]
        clients = t.queue(inputs)
        t.release()
        t.finish(clients)
        t.expect_answers(clients)
        check_batches(t, size)
        got = [sorted(_positions(c.given, inputs)) for c in t.model.after_plug()]
        expected = [list(range(i, min(i + size, len(inputs)))) for i in range(0, len(inputs), size)]
        if got != expected:
            t.fail(f"after the plug, the calls held the requests numbered {got} (0 = oldest); expected {expected}: {NO_IDLING}.")
        t.close()


def _make(kind, i):
    return {"int": i, "same": Same(i), "list": [i], "dict": {"i": i}}[kind]


def _positions(given, inputs):
    return [next(i for i, y in enumerate(inputs) if y is x) for x in given]


# --------------------------------------------------------------------------- the model is not the batcher's lock

PENDING_SNIPPET = snippet("""
    b = Batcher(model, max_batch_size=8)
    ask(b, "plug")       # the model is busy with this call ...
    ask(b, "a"); print(b.pending)  # 1: accepted while the model runs
    ask(b, "b"); print(b.pending)  # 2
    plug.set(); time.sleep(0.2)
    print(b.pending)               # 0: sent, answered
    b.close()
""")


def test_while_a_call_runs_infer_is_accepted_and_pending_counts_it(solution):
    with Trial(solution, FakeModel(), PENDING_SNIPPET, max_batch_size=8) as t:
        t.plug()
        got = t.pending()
        if got != 0:
            t.fail(f"b.pending is {got!r} while the only request is inside the model; expected 0: {PENDING}.")
        clients = t.queue(["a", "b", "c"])
        t.release()
        t.finish(clients)
        got = t.pending()
        if got != 0:
            t.fail(f"b.pending is {got!r} after every request was answered; expected 0: {PENDING}.")
        t.expect_answers(clients)
        t.close()


# --------------------------------------------------------------------------- no idling, release, overlap

RELEASE_SNIPPET = snippet("""
    b = Batcher(model, max_batch_size=2)
    threads = [ask(b, i) for i in range(6)]  # each line "infer(...) ->" prints before the next call
    for t in threads: t.join(5)
    b.close()
""")


def test_infer_returns_before_the_models_next_call_starts(solution):
    model = FakeModel()
    model.release_rule = True
    with Trial(solution, model, RELEASE_SNIPPET, max_batch_size=2) as t:
        t.plug()
        clients = t.queue(range(6))
        t.release()
        t.finish(clients, timeout=4 * PATIENCE)
        t.expect_answers(clients)
        t.expect_no_problems()
        t.close()


IDLE = snippet("""
    b = Batcher(model)
    start = time.monotonic()
    for i in range(200): b.infer(i)    # prints 200 calls
    print(time.monotonic() - start, "s: at most 0.9 s")
    b.close()
""")


def test_requests_served_one_after_another_wait_for_no_poll_interval(solution):
    with Trial(solution, FakeModel(), IDLE) as t:
        count = 200
        start = time.monotonic()
        client = one_after_another(t, count)
        t.finish([client], timeout=30)
        if client.error is not None:
            t.fail(f"{client.describe()}: {OWN_OUTPUT}.")
        total = time.monotonic() - start
        overhead = total - t.model.model_time()
        allowed = 0.5 + 0.002 * len(t.model.calls)
        if overhead > allowed:
            t.fail(
                f"{count} requests, one after another, took {total:.2f} s, {overhead:.2f} s of it "
                f"outside the model, in {len(t.model.calls)} calls; at most {allowed:.2f} s: {IDLE_TIME}."
            )
        t.close()


def one_after_another(t, count):
    """One caller sending ``count`` requests, each after the previous one returned."""

    def serve():
        for i in range(count):
            got = t.batcher.infer(i)
            if got != answer(i):
                raise AssertionError(f"b.infer({i}) returned {got!r}; expected {answer(i)!r}")
        return count

    return Client(f"b.infer(i) for i in range({count})", serve)


OVERLAPS = snippet("""
    def slow(inputs):
        time.sleep(0.001); return [x * 10 for x in inputs]

    b = Batcher(slow, max_batch_size=3)
    def caller(k):
        for i in range(20): assert b.infer(k * 100 + i) == (k * 100 + i) * 10

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(6)]
    for t in threads: t.start()
    for t in threads: t.join(10)
    b.close()
""")


def test_calls_from_many_threads_never_overlap_and_each_caller_gets_its_own_output(solution, solution_dir):
    model = FakeModel(seconds=0.001)
    with Trial(solution, model, OVERLAPS, max_batch_size=3) as t:

        def caller(k):
            def work():
                for i in range(20):
                    x = k * 100 + i
                    got = t.batcher.infer(x)
                    if got != answer(x):
                        raise AssertionError(f"b.infer({x}) returned {got!r}; expected {answer(x)!r}: {OWN_OUTPUT}")
            return work

        try:
            run_threads(
                [caller(k) for k in range(6)], what="6 threads calling infer 20 times each",
                solution_dir=solution_dir, switch_probability=0.05, timeout=10, rule=OWN_OUTPUT,
                deadlock_hint=DEADLOCK_HINT,
            )
        except AssertionError as exc:
            t.fail(str(exc))
        t.expect_no_problems()
        for call in model.calls:
            if len(call.inputs) > 3:
                t.fail(f"call {call.number} got {len(call.inputs)} inputs: {BATCHES} (3).")
        if sum(len(c.inputs) for c in model.calls) != 120:
            t.fail(f"the model saw {sum(len(c.inputs) for c in model.calls)} inputs for 120 requests: {ONCE}.")
        t.close()


# --------------------------------------------------------------------------- failures

RAISES = snippet("""
    def broken(inputs):
        print(f"model call: {inputs!r}"); raise ValueError("GPU on fire")

    b = Batcher(broken, max_batch_size=8)
    threads = [ask(b, i) for i in range(3)]   # each: ValueError: GPU on fire
    for t in threads: t.join(5)
    b.close()
""")


def test_when_the_model_raises_its_callers_get_the_exception_and_later_requests_are_served(solution):
    failing = threading.Event()

    def fails(inputs):
        return ModelFailed("GPU on fire") if failing.is_set() else None

    with Trial(solution, FakeModel(fails=fails), RAISES, max_batch_size=8) as t:
        t.plug()
        failing.set()
        clients = t.queue(["a", "b", "c"])
        t.release()
        t.finish(clients)
        for client in clients:
            t.expect_raised(client, ModelFailed, "GPU on fire", MODEL_RAISES)
        failing.clear()
        later = t.ask("d")
        t.finish([later])
        t.expect_returned(later, answer("d"), MODEL_RAISES)
        t.close()


WRONG = snippet("""
    def short(inputs):
        print(f"model call: {inputs!r}"); return ["one output only"][: len(inputs) - 1]

    b = Batcher(short, max_batch_size=8)
    threads = [ask(b, i) for i in range(3)]   # each: RuntimeError
    for t in threads: t.join(5)
    b.close()
""")


@pytest.mark.parametrize(
    "result, shown_as",
    [(lambda outputs: outputs[:-1], "one output short"),
     (lambda outputs: outputs + ["extra"], "one output too many"),
     (lambda outputs: 42, "an int, which has no len()")],
    ids=["short", "long", "no-len"],
)
def test_a_result_of_the_wrong_length_counts_as_the_call_raising_runtime_error(solution, result, shown_as):
    with Trial(solution, FakeModel(result=result), WRONG, max_batch_size=8) as t:
        t.plug()
        clients = t.queue(["a", "b", "c"])
        t.release()
        t.finish(clients)
        for client in clients:
            t.expect_raised(client, RuntimeError, None, f"{WRONG_LENGTH} (the model returned {shown_as})")
        t.close()


# --------------------------------------------------------------------------- close

CLOSING = snippet("""
    b = Batcher(model, max_batch_size=2)
    ask(b, "plug")
    threads = [ask(b, i) for i in range(5)]
    closer = threading.Thread(target=b.close); closer.start()
    time.sleep(0.1); plug.set()
    closer.join(5)                             # returns after all five got their outputs
    print([t.is_alive() for t in threads])     # [False, False, False, False, False]
""")


def test_close_serves_every_request_accepted_before_it_then_ends_the_batchers_threads(solution):
    before = set(threading.enumerate())
    with Trial(solution, FakeModel(), CLOSING, max_batch_size=2) as t:
        t.plug()
        clients = t.queue(range(5))
        closer = Client("b.close()", t.batcher.close)
        time.sleep(0.05)
        t.release()
        if not closer.done.wait(PATIENCE):
            waiting = [c.what for c in clients if not c.done.is_set()]
            t.fail(f"deadlock suspected: b.close() had not returned {PATIENCE:g} s after the plug was released (still waiting: {waiting}): {CLOSE}.")
        left = [
            th for th in threading.enumerate()
            if th not in before and th.is_alive() and not th.name.startswith("dojo-")
        ]
        if left:
            t.fail(f"b.close() returned while the batcher's thread {left[0].name!r} was still running: {CLOSE}.")
        # Every outcome is known once close() returns; the callers' threads may need a
        # moment to be scheduled and return it.
        t.finish(clients, f"b.close() had returned: {CLOSE}")
        t.expect_answers(clients, f"{CLOSE}: requests accepted before close() are served")
        t.close()  # may be called again


AFTER_CLOSE = snippet("""
    b = Batcher(model)
    b.infer("a")
    b.close()
    b.close()        # may be called again
    b.infer("b")     # RuntimeError
""")


def test_infer_after_close_raises_runtime_error_and_the_model_is_never_called_again(solution):
    with Trial(solution, FakeModel(), AFTER_CLOSE) as t:
        first = t.ask("a")
        t.finish([first])
        t.expect_returned(first, answer("a"), OWN_OUTPUT)
        t.close()
        t.close()
        calls = len(t.model.calls)
        t.expect_raises_now(RuntimeError, "b.infer('b') after b.close()", lambda: t.batcher.infer("b"), CLOSED)
        time.sleep(0.05)
        if len(t.model.calls) != calls:
            t.fail(f"the model was called after b.close() returned: {CLOSED}.")


WITH_SNIPPET = snippet("""
    with Batcher(model) as b:
        print(b.infer("a"))
    b.infer("b")     # RuntimeError: closed on leaving the with block
""")


def test_a_with_block_gives_the_batcher_and_closes_it_on_exit(solution):
    with Trial(solution, FakeModel(), WITH_SNIPPET) as t:
        entered = t.call("b.__enter__()", t.batcher.__enter__)
        if entered is not t.batcher:
            t.fail(f"with Batcher(...) as b gave {shown(entered)}, not the batcher: {WITH}.")
        client = t.ask("a")
        t.finish([client])
        t.expect_returned(client, answer("a"), OWN_OUTPUT)
        exiting = Client("b.__exit__(None, None, None)", lambda: t.batcher.__exit__(None, None, None))
        if not exiting.done.wait(PATIENCE):
            t.fail(f"deadlock suspected: leaving the with block did not return: {WITH}.")
        if exiting.error is not None:
            t.fail(f"{exiting.describe()}: {WITH}.")
        t.expect_raises_now(RuntimeError, "b.infer('b') after the with block", lambda: t.batcher.infer("b"), f"{WITH}; {CLOSED}")

