"""The outside judge of the ``inference_batcher`` kata: what it checks at each stage.

Run by the grader in its own process (``dojo.judge``); the solution runs in
a worker. A batcher's behaviour is only visible around a model, so the
scenarios are played in the worker (``inference_batcher_worker.py``, on the
suites' own ``FakeModel`` and ``Trial``) and answer as records: every model
call, each caller's outcome, the fake's notes. This process holds those
records to the contract, and times what it can on its own clock (a window
that must wait, a full batch that must not, requests served one after
another). The records are written inside the worker, beside the
solution: a solution written to find this judge's helpers and rewrite
them could forge one (the red team showed it); patching pytest, the
report or the grade channel earns nothing here. What the judge does not
replay stays with the suites: a running sequence sitting out a call
under a budget (preemption), and ``pending`` under many callers at once.
"""

from __future__ import annotations

import math
import time

from dojo.judge.declare import Judge, Mismatch, support_module, worker_module
from dojo.judge.wire import WireError, decode
from dojo.testing import arguments

FAKES = support_module(__file__, "inference_batcher")
PLUG = "PLUG"


class Model:
    """No model: every check reads records of scenarios (``Judge.model`` is for call scripts)."""


# -- reading a record ---------------------------------------------------------------------------


def _played(ctx, helper: str, *args, what: str, timeout: float = 30.0) -> tuple[dict, float]:
    """A scenario's record, and the seconds it took on the judge's clock."""
    begin = time.perf_counter()
    record = ctx.call(helper, *args, timeout=timeout, what=what)
    took = time.perf_counter() - begin
    if not isinstance(record, dict):
        raise Mismatch(f"{what}: the worker answered {type(record).__name__}, not a record")
    if "failed" in record:
        raise Mismatch(f"{what}: {str(record['failed'])[:600]}")
    problems = record.get("problems") or []
    if problems:
        raise Mismatch(f"{what}: {str(problems[0])[:400]}{_timeline(record)}")
    return record, took


def _calls(record: dict) -> list[list]:
    calls = record.get("calls")
    if not isinstance(calls, list) or not all(isinstance(c, list) for c in calls):
        raise Mismatch("a record without its model calls")
    return calls


def _after_plug(record: dict) -> list[list]:
    return [c for c in _calls(record) if PLUG not in c]


def _input_text(tag) -> str:
    """An input as a learner would write it: ``[3] * 60`` for the wire's ``["list", 3, 60]``."""
    if isinstance(tag, list) and len(tag) == 3 and tag[0] == "list":
        return f"[{tag[1]}]" if tag[2] == 1 else f"[{tag[1]}, ...] ({tag[2]} long)"
    if isinstance(tag, dict):
        return str(tag.get("repr"))[:80]
    return "PLUG" if tag == PLUG else repr(tag)


def _timeline(record: dict, limit: int = 8) -> str:
    calls = record.get("calls") or []
    shown = [
        f"call {i + 1}: [{', '.join(_input_text(x) for x in c[:6]) if isinstance(c, list) else c!r:.40}"
        + (f", ... {len(c) - 6} more" if isinstance(c, list) and len(c) > 6 else "")
        + "]"
        for i, c in enumerate(calls[:limit])
    ]
    more = f"; ... {len(calls) - limit} more" if len(calls) > limit else ""
    return f" | model calls: {'; '.join(shown) or 'none'}{more}"


def _outcome(record: dict, index: int) -> tuple[str, object, str]:
    """(``"v"``, value, "") or (``"x"``, first built-in exception name, message)."""
    try:
        got = record["outcomes"][index]
        if got[0] == "v":
            return "v", _readable(got[1]), ""
        if got[0] == "x":
            return "x", str(got[1][0]), str(got[2])
    except (KeyError, IndexError, TypeError):
        pass
    return "none", None, ""


def _readable(form) -> object:
    try:
        return decode(form)
    except (WireError, RecursionError):
        return _Unreadable()


class _Unreadable:
    def __repr__(self) -> str:
        return "a value the judge cannot read"


def _said(kind: str, value: object, message: str) -> str:
    if kind == "v":
        return f"returned {value!r:.80}"
    if kind == "x":
        return f"raised {value}: {message}"
    return "never returned"


def _expect_answers(
    record: dict, what: str, inputs: list, calls: list[str], rule: str, start: int = 0
) -> None:
    """The callers from ``start`` on, one per input, each got the fake's output for its own input."""
    for index, (x, call) in enumerate(zip(inputs, calls, strict=True), start):
        kind, value, message = _outcome(record, index)
        expected = FAKES.answer(x)
        if kind != "v" or type(value) is not str or value != expected:
            raise Mismatch(
                f"{what}: {call} {_said(kind, value, message)}; expected {expected!r}: {rule}{_timeline(record)}"
            )


def _expect_raised(record: dict, index: int, call: str, name: str, message: str | None, rule: str) -> None:
    kind, got, said = _outcome(record, index)
    if kind != "x" or got != name or (message is not None and said != message):
        wanted = f"{name}: {message}" if message is not None else name
        raise Mismatch(
            f"{call} {_said(kind, got, said)}; expected it to raise {wanted}: {rule}{_timeline(record)}"
        )


def _well_formed(record: dict, size: int, asked: list) -> None:
    """Each call a new non-empty list of at most ``size``; each request sent exactly once."""
    for number, (call, given) in enumerate(zip(_calls(record), record.get("given", []), strict=False), 1):
        if given != "list" or not call or len(call) > size:
            raise Mismatch(
                f"call {number} got a {given} of {len(call)} inputs: {FAKES.BATCHES} ({size}){_timeline(record)}"
            )
    sent = [x for call in _after_plug(record) for x in call]
    for x in asked:
        if sent.count(x) != asked.count(x):
            raise Mismatch(
                f"the request {x!r} was sent {sent.count(x)} times: {FAKES.ONCE}{_timeline(record)}"
            )


# -- stage 1: batching --------------------------------------------------------------------------


def _now(ctx, options: dict, method: str, args: list, kwargs: dict | None = None) -> list:
    answer = ctx.call("raises_now", options, method, args, kwargs or {}, what=f"{method}{tuple(args)!r}")
    if not isinstance(answer, list) or not answer:
        raise Mismatch(f"the worker's answer to {method} is not an outcome")
    return answer


class _Named:
    """A name in a message (``model``), where a value's ``repr`` would go."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MODEL = _Named("model")


def _shown_call(options: dict, method: str, args: list, kwargs: dict) -> str:
    """The call ``raises_now`` makes, as the learner would type it."""
    if method == "new":
        return f"Batcher({arguments(args or [MODEL], kwargs)})"
    made = f"b = Batcher({arguments([MODEL], options)})"
    if method == "after_close":
        return f"{made}; b.close(); b.infer({arguments(args)})"
    return f"{made}; b.{method}({arguments(args, kwargs)})"


def _expect_error(ctx, options: dict, method: str, args: list, kwargs: dict, error: str, rule: str) -> None:
    shown_call = _shown_call(options, method, args, kwargs)
    got = _now(ctx, options, method, args, kwargs)
    calls = got[-1] if len(got) >= 2 and isinstance(got[-1], int) else 0
    if got[0] == "hung":
        raise Mismatch(f"{shown_call} did not return within 5 s; expected it to raise {error}: {rule}")
    if got[0] != "x" or error not in got[1]:
        if got[0] == "x":
            said = f"raised {got[1][0]}: {str(got[2])[:120]}"
        else:
            said = "returned" if method == "new" else f"returned {_readable(got[1])!r:.80}"
        raise Mismatch(f"{shown_call} {said}; expected it to raise {error}: {rule}")
    if calls:
        raise Mismatch(f"{shown_call} reached the model ({calls} call(s)): {FAKES.VALIDATED_FIRST}")


def stage1_arguments_are_checked(ctx):
    _expect_error(ctx, {}, "new", [5], {}, "TypeError", FAKES.MODEL_ARG)
    for size, error in (
        (True, "TypeError"),
        (0, "ValueError"),
        (-3, "ValueError"),
        (1.5, "TypeError"),
        ("8", "TypeError"),
    ):
        _expect_error(ctx, {}, "new", [], {"max_batch_size": size}, error, FAKES.SIZE_ARG)
    _expect_error(ctx, {}, "after_close", [1], {}, "RuntimeError", FAKES.CLOSED)


def stage1_twenty_waiting_requests_go_oldest_first_in_full_calls(ctx):
    for size, n in ((8, 20), (ctx.rng.randint(1, 5), ctx.rng.randint(3, 12))):
        what = f"b = Batcher(model, max_batch_size={size}); {n} requests queued behind a plug"
        record, _ = _played(ctx, "queued", {"max_batch_size": size}, "ints", n, what=what)
        got = [sorted(c) for c in _after_plug(record)]
        asked = list(range(1, n + 1))
        expected = [asked[i : i + size] for i in range(0, n, size)]
        if got != expected:
            raise Mismatch(
                f"{what}: after the plug the calls held {got}; expected {expected}: {FAKES.NO_IDLING}"
            )
        _well_formed(record, size, asked)
        _expect_answers(record, what, asked, [f"b.infer({x})" for x in asked], FAKES.OWN_OUTPUT)
        if record.get("pending_while_plugged") != 0:
            raise Mismatch(
                f"{what}: b.pending was {record.get('pending_while_plugged')!r} while only the plug's"
                f" request was in the model; expected 0: {FAKES.PENDING}"
            )


def stage1_equal_and_unhashable_inputs_get_their_own_outputs(ctx):
    what = "b = Batcher(model, max_batch_size=8); Same(0)..Same(4), [1, 2], [1, 2], {'k': 1} behind a plug"
    record, _ = _played(ctx, "queued", {"max_batch_size": 8}, "same", 5, what=what)
    inputs = [FAKES.Same(i) for i in range(5)] + [[1, 2], [1, 2], {"k": 1}]
    _expect_answers(record, what, inputs, [f"b.infer({x!r})" for x in inputs], FAKES.OWN_OUTPUT)


def stage1_a_raising_model_fails_its_callers_and_later_requests_are_served(ctx):
    what = (
        "b = Batcher(model, max_batch_size=8); the model raises ValueError('GPU on fire') for 'a', 'b', 'c'"
    )
    record, _ = _played(ctx, "raising", {"max_batch_size": 8}, what=what)
    for index, x in enumerate("abc"):
        _expect_raised(
            record, index, f"{what}: b.infer({x!r})", "ValueError", "GPU on fire", FAKES.MODEL_RAISES
        )
    _expect_answers(record, what, ["d"], ["then b.infer('d')"], FAKES.MODEL_RAISES, start=3)


def stage1_a_result_of_the_wrong_length_counts_as_the_call_raising(ctx):
    what = "b = Batcher(model, max_batch_size=8); 'a', 'b', 'c' behind a plug; the model answers one output short"
    record, _ = _played(ctx, "wrong_length", {"max_batch_size": 8}, what=what)
    for index, x in enumerate("abc"):
        _expect_raised(record, index, f"{what}: b.infer({x!r})", "RuntimeError", None, FAKES.WRONG_LENGTH)


def stage1_close_serves_every_request_accepted_before_it(ctx):
    what = "b = Batcher(model, max_batch_size=4); 6 requests behind a plug; b.close() from another thread"
    record, _ = _played(ctx, "closed_while_queued", {"max_batch_size": 4}, 6, what=what)
    asked = list(range(1, 7))
    _expect_answers(record, what, asked, [f"b.infer({x})" for x in asked], FAKES.CLOSE)
    if record.get("leaked"):
        raise Mismatch(
            f"{what}: after close() returned, threads {record['leaked']!r:.200} still ran: {FAKES.CLOSE}"
        )


def stage1_requests_one_after_another_wait_for_no_poll_interval(ctx):
    n = 200
    record, took = _played(ctx, "one_after_another", {}, n, what=f"{n} requests one after another")
    answers = [decode(a) for a in record.get("answers", [])]
    if answers != [FAKES.answer(i) for i in range(n)]:
        raise Mismatch(
            f"{n} requests one after another: the outputs were not each caller's: {FAKES.OWN_OUTPUT}"
        )
    calls = int(record.get("calls", n))
    # The contract's allowance, the model's own time (capped: the worker reports it) and a
    # round trip to the worker.
    allowed = 0.5 + 0.002 * calls + min(float(record.get("model", 0.0)), 0.2) + 0.05
    if took > allowed:
        raise Mismatch(
            f"{n} requests served one after another took {took:.2f} s on the judge's clock for {calls} model"
            f" calls; at most {allowed:.2f} s: {FAKES.IDLE_TIME}"
        )


# -- stage 2: the window, timeouts, isolation ---------------------------------------------------


def stage2_arguments_are_checked(ctx):
    for wait, error in ((True, "TypeError"), (-1, "ValueError"), ("0.1", "TypeError"), ("NAN", "ValueError")):
        _expect_error(ctx, {}, "new", [], {"max_wait": wait}, error, FAKES.WAIT_ARG)
    for timeout, error in (
        (True, "TypeError"),
        (0, "ValueError"),
        (-1.5, "ValueError"),
        ("INF", "ValueError"),
    ):
        _expect_error(ctx, {}, "infer", [1], {"timeout": timeout}, error, FAKES.TIMEOUT_ARG)


def stage2_a_partial_batch_waits_for_the_window_and_a_full_one_does_not(ctx):
    what = "b = Batcher(model, max_wait=0.3); b.infer('alone')"
    record, took = _played(ctx, "one_request", {"max_wait": 0.3}, what=what)
    times, asked = record.get("times") or [[0, 0]], record.get("asked") or [0]
    waited = float(times[0][0]) - float(asked[0])
    if took < 0.3 or waited < 0.3 - 1e-3:
        raise Mismatch(
            f"{what}: the call started {waited:.3f} s after infer (the whole scenario took {took:.3f} s on the"
            f" judge's clock); expected at least 0.3 s: {FAKES.PARTIAL}{_timeline(record)}"
        )
    _expect_answers(record, what, ["alone"], ["b.infer('alone')"], FAKES.OWN_OUTPUT)
    what = "b = Batcher(model, max_batch_size=4, max_wait=30); 4 requests at once"
    record, took = _played(ctx, "all_at_once", {"max_batch_size": 4, "max_wait": 30}, 4, what=what)
    if took > 5.0:
        raise Mismatch(
            f"{what}: the requests were served {took:.1f} s later on the judge's clock: {FAKES.FULL}"
        )
    _expect_answers(record, what, [1, 2, 3, 4], [f"b.infer({x})" for x in (1, 2, 3, 4)], FAKES.OWN_OUTPUT)


def stage2_a_request_that_timed_out_before_it_was_sent_is_never_sent(ctx):
    what = "behind a plug, b.infer('late', timeout=0.2), then the plug released and b.infer('after')"
    record, _ = _played(ctx, "timed_out_before_sent", {"max_batch_size": 8}, what=what)
    _expect_raised(record, 0, f"{what}: b.infer('late', timeout=0.2)", "TimeoutError", None, FAKES.TIMEOUT)
    if any("late" in call for call in _after_plug(record)):
        raise Mismatch(
            f"{what}: 'late' was sent after its caller got TimeoutError: {FAKES.NEVER_SENT}{_timeline(record)}"
        )
    _expect_answers(record, what, ["after"], ["b.infer('after')"], FAKES.OWN_OUTPUT, start=1)


def stage2_a_poison_input_fails_only_its_caller_within_the_retry_budget(ctx):
    n = ctx.rng.choice([5, 8, 13])
    for n, bad in ((8, [3]), (100, [41]), (n, sorted(ctx.rng.sample(range(n), 2)))):
        what = (
            f"b = Batcher(model, max_batch_size={n}); {n} inputs [0]..[{n - 1}] behind a plug, {bad} poison"
        )
        record, _ = _played(ctx, "poisoned", {"max_batch_size": n}, n, bad, what=what)
        for i in range(n):
            if i in bad:
                message = f"poison input {[i]!r}"
                _expect_raised(record, i, f"{what}: b.infer([{i}])", "Exception", message, FAKES.ISOLATION)
            else:
                _expect_answers(record, what, [[i]], [f"b.infer([{i}])"], FAKES.ISOLATION, start=i)
        calls = len(_after_plug(record))
        budget = 1 + 2 * len(bad) * math.ceil(math.log2(n))
        if calls > budget:
            raise Mismatch(f"{what}: {calls} calls after the plug; at most {budget}: {FAKES.RETRY_COST}")


MARGIN = 0.5  # seconds, for every upper bound in time (the contract's)


def stage2_requests_waiting_at_close_go_at_once(ctx):
    what = "b = Batcher(model, max_batch_size=8, max_wait=30); 3 requests; b.close()"
    record, took = _played(ctx, "closed_in_window", {"max_batch_size": 8, "max_wait": 30}, 3, what=what)
    if took > 5.0:
        raise Mismatch(
            f"{what}: the requests were served {took:.1f} s later on the judge's clock: {FAKES.AT_CLOSE}"
        )
    _expect_answers(record, what, [1, 2, 3], [f"b.infer({x})" for x in (1, 2, 3)], FAKES.AT_CLOSE)


def stage2_the_window_is_measured_from_the_oldest_request(ctx):
    wait = 0.3
    what = f"b = Batcher(model, max_batch_size=100, max_wait={wait}); a request every 0.05 s"
    record, _ = _played(ctx, "trickle", {"max_batch_size": 100, "max_wait": wait}, 30, 0.05, what=what)
    times, asked = record.get("times") or [], record.get("asked") or []
    if times and asked and float(times[0][0]) - float(asked[0]) > wait + MARGIN:
        raise Mismatch(
            f"{what}: the first call started {float(times[0][0]) - float(asked[0]):.2f} s after the first request:"
            f" {FAKES.WINDOW}{_timeline(record)}"
        )


def stage2_a_batch_whose_oldest_waited_while_the_model_was_busy_starts_at_once(ctx):
    wait = 0.6
    what = f"b = Batcher(model, max_batch_size=2, max_wait={wait}); a full call holds while 'late' waits {wait} s"
    record, _ = _played(ctx, "busy", {"max_batch_size": 2, "max_wait": wait}, wait, what=what)
    times = record.get("times") or []
    if len(times) < 2:
        raise Mismatch(f"{what}: 'late' was never sent{_timeline(record)}")
    after = float(times[1][0]) - float(record.get("released", 0.0))
    if after > MARGIN:
        raise Mismatch(
            f"{what}: call 2 started {after:.2f} s after the model was free: {FAKES.BUSY}{_timeline(record)}"
        )


def stage2_a_sent_request_still_times_out_on_time(ctx):
    timeout = 0.3
    what = f"b.infer('x', timeout={timeout}) sent in a call that holds"
    record, _ = _played(ctx, "timed_out_while_sent", {"max_batch_size": 8}, timeout, what=what)
    _expect_raised(record, 0, what, "TimeoutError", None, FAKES.SENT_TIMEOUT)
    took = float(record["ended"][0]) - float(record["asked"][0])
    if took > timeout + MARGIN:
        raise Mismatch(f"{what}: TimeoutError came {took:.2f} s after the call: {FAKES.SENT_TIMEOUT}")


def stage2_retries_skip_the_window(ctx):
    what = "b = Batcher(model, max_batch_size=8, max_wait=1.0); a full batch of 8 at once, [3] poison"
    record, took = _played(ctx, "poisoned_at_once", {"max_batch_size": 8, "max_wait": 1.0}, 8, [3], what=what)
    _expect_raised(record, 3, f"{what}: b.infer([3])", "Exception", "poison input [3]", FAKES.ISOLATION)
    if took > 1.0 - 0.4:
        raise Mismatch(
            f"{what}: the retries took {took:.2f} s in all on the judge's clock (the window is 1.0 s):"
            f" {FAKES.RETRY_WINDOW}{_timeline(record)}"
        )


# -- stage 3: the token budget ------------------------------------------------------------------


def stage3_arguments_and_inputs_are_checked(ctx):
    for tokens, error in ((True, "TypeError"), (0, "ValueError"), (1.5, "TypeError")):
        _expect_error(ctx, {}, "new", [], {"max_tokens": tokens}, error, FAKES.TOKENS_ARG)
    _expect_error(ctx, {"max_tokens": 8}, "infer", ["NOLEN"], {}, "TypeError", FAKES.NO_LEN)
    _expect_error(ctx, {"max_tokens": 8}, "infer", [[1] * 9], {}, "ValueError", FAKES.TOO_LONG)


def stage3_padding_efficiency_and_the_budget_on_the_bimodal_workload(ctx):
    for lengths in (FAKES.bimodal(), FAKES.bimodal(ctx.rng.randrange(10_000))):
        options = {"max_batch_size": 8, "max_tokens": 256}
        what = "b = Batcher(model, max_batch_size=8, max_tokens=256); 64 bimodal requests behind a plug"
        record, _ = _played(ctx, "queued", options, "lists", lengths, what=what)
        calls = _after_plug(record)
        real = padded = 0
        for number, call in enumerate(calls, 1):
            sizes = [x[2] if isinstance(x, list) and len(x) == 3 else 0 for x in call]
            cost = len(call) * max(sizes, default=0)
            if cost > 256 or len(call) > 8:
                raise Mismatch(
                    f"{what}: call {number} after the plug costs {cost}: {FAKES.BUDGET}{_timeline(record)}"
                )
            real, padded = real + sum(sizes), padded + cost
        ratio = real / padded if padded else 0.0
        if ratio < 0.8 or len(calls) > 16:
            raise Mismatch(
                f"{what}: {len(calls)} calls, {real} real tokens for a padded cost of {padded}: efficiency"
                f" {ratio:.2f}: {FAKES.EFFICIENCY}"
            )
        inputs = [[i] * n for i, n in enumerate(lengths)]
        _expect_answers(
            record, what, inputs, [f"b.infer([{i}] * {n})" for i, n in enumerate(lengths)], FAKES.OWN_OUTPUT
        )


def _costs_within(record: dict, what: str, budget: int) -> None:
    for number, call in enumerate(_calls(record), 1):
        sizes = [x[2] if isinstance(x, list) and len(x) == 3 else 1 for x in call if x != PLUG]
        cost = len(sizes) * max(sizes, default=0)
        if cost > budget:
            raise Mismatch(
                f"{what}: call {number} costs {cost} (inputs x longest): {FAKES.BUDGET}{_timeline(record)}"
            )


def stage3_no_call_costs_more_than_max_tokens(ctx):
    lengths = [2, 60, 2, 60, 2, 2, 30, 30, 1, 64]
    what = f"b = Batcher(model, max_batch_size=8, max_tokens=64); lists of lengths {lengths} behind a plug"
    record, _ = _played(ctx, "queued", {"max_batch_size": 8, "max_tokens": 64}, "lists", lengths, what=what)
    _costs_within(record, what, 64)
    inputs = [[i] * n for i, n in enumerate(lengths)]
    _expect_answers(
        record, what, inputs, [f"b.infer([{i}] * {n})" for i, n in enumerate(lengths)], FAKES.OWN_OUTPUT
    )


def stage3_the_oldest_waiting_request_is_not_starved(ctx):
    what = (
        "b = Batcher(model, max_batch_size=8, max_tokens=64); 8 short requests, [99] * 60, 8 short, and 8 more"
        " short ones added in each call while the long one waits"
    )
    record, _ = _played(
        ctx, "starving", {"max_batch_size": 8, "max_tokens": 64}, 10, 8, what=what, timeout=40
    )
    calls = [[x[1] for x in call if isinstance(x, list)] for call in _after_plug(record)]
    long_call = next((n for n, firsts in enumerate(calls) if 99 in firsts), None)
    if long_call is None:
        raise Mismatch(f"{what}: [99] * 60 was never sent{_timeline(record)}")
    # It is the oldest waiting request once the 8 short ones queued before it are all sent.
    oldest_from = max(
        (n for n, firsts in enumerate(calls[:long_call]) if any(f < 8 for f in firsts)), default=-1
    )
    sent: set = {f for firsts in calls[: oldest_from + 1] for f in firsts}
    newer_first = []
    for n in range(oldest_from + 1, long_call):
        if any(f not in sent and f != 99 for f in calls[n]):
            newer_first.append(n + 1)
        sent.update(calls[n])
    if len(newer_first) > 4:
        raise Mismatch(
            f"{what}: [99] * 60 was the oldest waiting request, and calls {newer_first[:8]} after the plug sent"
            f" newer requests for the first time before call {long_call + 1} sent it ({len(newer_first)} calls;"
            f" at most 4): {FAKES.STARVATION}"
        )


# -- stage 4: continuous batching ---------------------------------------------------------------


def stage4_generate_checks_its_arguments(ctx):
    for args, kwargs, error in (
        ([[], 4], {}, "ValueError"),
        ([[1], 0], {}, "ValueError"),
        ([[1], True], {}, "TypeError"),
        (["ab", 2], {}, "TypeError"),
        ([[1], 2], {"timeout": 0}, "ValueError"),
    ):
        _expect_error(ctx, {}, "generate", args, kwargs, error, FAKES.GENERATE_ARGS)
    _expect_error(
        ctx, {"max_tokens": 40}, "generate", [[1] * 30, 11], {}, "ValueError", FAKES.PROMPT_TOO_LONG
    )


def _expect_tokens(record: dict, what: str, requests: list, stop=None, offset: int = 0) -> None:
    for index, (prompt, count) in enumerate(requests, offset):
        expected = FAKES.expected_tokens(prompt, count, stop)
        kind, value, message = _outcome(record, index)
        if kind != "v" or type(value) is not list or value != expected:
            raise Mismatch(
                f"{what}: b.generate({prompt!r}, {count}) {_said(kind, value, message)}; expected {expected!r}:"
                f" {FAKES.GENERATE}{_timeline(record)}"
            )


def stage4_the_step_workload_finishes_within_70_calls(ctx):
    requests = [[[100 + i], [32, 2, 2, 2][i % 4]] for i in range(16)]
    what = "b = Batcher(model, max_batch_size=4); 16 generate requests (32, 2, 2, 2 tokens ...) behind a plug"
    record, _ = _played(ctx, "generated", {"max_batch_size": 4}, requests, what=what, timeout=40)
    _expect_tokens(record, what, requests)
    if record.get("mutated"):
        raise Mismatch(
            f"{what}: the list given to call {record['mutated'][0]} changed after the call: {FAKES.SEQUENCE_INPUT}"
        )
    _running_stay(record, what, requests)
    calls = _after_plug(record)
    for number, call in enumerate(calls, 1):
        firsts = [x[1] for x in call if isinstance(x, list)]
        if len(firsts) != len(set(firsts)) or len(call) > 4:
            raise Mismatch(f"{what}: call {number} after the plug held {call!r:.200}: {FAKES.ONCE_PER_CALL}")
    if len(calls) > 70:
        raise Mismatch(
            f"{what}: {len(calls)} calls after the plug (continuous: 44; static: 128): {FAKES.STEPS}"
        )


def _running_stay(record: dict, what: str, requests: list) -> None:
    """Without ``max_tokens``: a sequence still running after a call is in the next call."""
    final = {p[0]: len(p) + len(FAKES.expected_tokens(p, n)) - 1 for p, n in requests}
    calls = _after_plug(record)
    for number, (call, following) in enumerate(zip(calls, calls[1:]), 1):
        held = {x[1]: x[2] for x in call if isinstance(x, list)}
        nxt = {x[1] for x in following if isinstance(x, list)}
        running = [first for first, length in held.items() if length < final.get(first, 0)]
        left_out = [first for first in running if first not in nxt]
        if left_out:
            raise Mismatch(
                f"{what}: the sequence of prompt [{left_out[0]}] ran in call {number} after the plug and had"
                f" tokens to go, yet call {number + 1} left it out: {FAKES.ITERATION}{_timeline(record)}"
            )


def stage4_generate_stops_at_the_stop_token(ctx):
    prompt = [ctx.rng.randrange(1, 50)]
    tokens = FAKES.expected_tokens(prompt, 12)
    stop = tokens[ctx.rng.randrange(len(tokens))]
    requests = [[prompt, 12], [[77], 3]]
    what = f"b.generate({prompt!r}, 12, stop={stop})"
    record, _ = _played(ctx, "generated", {"max_batch_size": 4}, requests, stop, what=what, timeout=40)
    _expect_tokens(record, what, requests, stop)


def stage4_a_raising_call_ends_only_the_sequences_whose_lone_call_raised(ctx):
    requests = [[[101], 5], [[666, 1], 5], [[102], 7], [[103], 3]]
    what = "b = Batcher(fragile, max_batch_size=4); the model raises for any sequence starting with 666"
    record, _ = _played(ctx, "generated", {"max_batch_size": 4}, requests, None, 666, what=what, timeout=40)
    _expect_raised(record, 1, f"{what}: b.generate([666, 1], 5)", "Exception", None, FAKES.SEQUENCE_ISOLATION)
    for index in (0, 2, 3):
        _expect_tokens(record, what, [requests[index]], offset=index)


def stage4_close_lets_running_sequences_finish(ctx):
    requests = [[[101], 8], [[102], 8], [[103], 3]]
    what = "b = Batcher(model, max_batch_size=2); 3 generate requests; b.close() while they run"
    record, _ = _played(
        ctx, "generated", {"max_batch_size": 2}, requests, None, None, True, what=what, timeout=40
    )
    _expect_tokens(record, what, requests)


def stage4_max_wait_delays_a_call_only_while_nothing_runs(ctx):
    requests = [[[5], 10]]
    what = "b = Batcher(model, max_wait=0.4); b.generate([5], 10)"
    record, took = _played(ctx, "generated", {"max_batch_size": 4, "max_wait": 0.4}, requests, what=what)
    _expect_tokens(record, what, requests)
    if took > 0.4 + 2 * MARGIN:
        raise Mismatch(
            f"{what}: the 10 tokens took {took:.2f} s on the judge's clock (one window is 0.4 s):"
            f" {FAKES.RUNNING_NO_WAIT}{_timeline(record)}"
        )


def stage4_a_sequence_whose_caller_timed_out_is_in_no_later_call(ctx):
    what = "b.generate([101], 200, timeout=0.2) beside b.generate([102], 12); max_batch_size=4"
    record, _ = _played(ctx, "abandoned", {"max_batch_size": 4}, what=what, timeout=40)
    _expect_raised(
        record, 0, f"{what}: b.generate([101], 200, timeout=0.2)", "TimeoutError", None, FAKES.ABANDONED
    )
    _expect_tokens(record, what, [[[102], 12]], offset=1)
    after = record.get("after")
    if not isinstance(after, int):
        raise Mismatch(
            f"{what}: the sequence of prompt [101] never reached its third call: {FAKES.ITERATION}"
        )
    later = [
        n
        for n, call in enumerate(_calls(record), 1)
        if n > after and any(isinstance(x, list) and x[1] == 101 for x in call)
    ]
    if later:
        raise Mismatch(
            f"{what}: its caller got TimeoutError during call {after}, yet call {later[0]} still held the"
            f" sequence: {FAKES.ABANDONED}{_timeline(record)}"
        )


def stage4_every_call_counting_sequences_as_grown_is_within_max_tokens(ctx):
    requests = [[[i] * 8, 12] for i in range(1, 7)]
    what = "b = Batcher(model, max_batch_size=4, max_tokens=40); 6 generate requests of 8 + 12 tokens"
    record, _ = _played(
        ctx, "generated", {"max_batch_size": 4, "max_tokens": 40}, requests, what=what, timeout=40
    )
    _expect_tokens(record, what, requests)
    _costs_within(record, what, 40)


JUDGE = Judge(
    model=Model,
    name="b",
    stages={
        1: [
            stage1_arguments_are_checked,
            stage1_twenty_waiting_requests_go_oldest_first_in_full_calls,
            stage1_equal_and_unhashable_inputs_get_their_own_outputs,
            stage1_a_raising_model_fails_its_callers_and_later_requests_are_served,
            stage1_a_result_of_the_wrong_length_counts_as_the_call_raising,
            stage1_close_serves_every_request_accepted_before_it,
            stage1_requests_one_after_another_wait_for_no_poll_interval,
        ],
        2: [
            stage2_arguments_are_checked,
            stage2_a_partial_batch_waits_for_the_window_and_a_full_one_does_not,
            stage2_requests_waiting_at_close_go_at_once,
            stage2_the_window_is_measured_from_the_oldest_request,
            stage2_a_batch_whose_oldest_waited_while_the_model_was_busy_starts_at_once,
            stage2_a_request_that_timed_out_before_it_was_sent_is_never_sent,
            stage2_a_sent_request_still_times_out_on_time,
            stage2_a_poison_input_fails_only_its_caller_within_the_retry_budget,
            stage2_retries_skip_the_window,
        ],
        3: [
            stage3_arguments_and_inputs_are_checked,
            stage3_no_call_costs_more_than_max_tokens,
            stage3_padding_efficiency_and_the_budget_on_the_bimodal_workload,
            stage3_the_oldest_waiting_request_is_not_starved,
        ],
        4: [
            stage4_generate_checks_its_arguments,
            stage4_the_step_workload_finishes_within_70_calls,
            stage4_generate_stops_at_the_stop_token,
            stage4_a_raising_call_ends_only_the_sequences_whose_lone_call_raised,
            stage4_close_lets_running_sequences_finish,
            stage4_max_wait_delays_a_call_only_while_nothing_runs,
            stage4_a_sequence_whose_caller_timed_out_is_in_no_later_call,
            stage4_every_call_counting_sequences_as_grown_is_within_max_tokens,
        ],
    },
    worker=[
        worker_module(__file__, "support/inference_batcher.py"),
        worker_module(__file__, "judges/inference_batcher_worker.py"),
    ],
)
