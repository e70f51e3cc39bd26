"""The outside judge (``dojo.judge``): it passes what the references earn and fails what
buggy, forging and protocol-breaking solutions do not.

Each solution is judged the way the grader judges it: ``judge_kata`` starts a
worker process that imports the solution, and checks it from this process.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from dojo.catalog import load_catalog
from dojo.judge import wire
from dojo.judge.declare import Call, Context, Judge, Mismatch, agrees
from dojo.judge.engine import StageVerdict, apply, declaration_path, judge_kata
from dojo.judge.session import Broken, Session
from tests.support import REPO, ZOO, solution_from_file

CATALOG = load_catalog(REPO)
HOSTILE = REPO / "tests" / "hostile" / "judged"
SEED = 7
# Katas whose judge is not written yet: their grades rest on the in-process suite
# alone, and the grade says so in a note. Write the judge, then drop the kata here.
NOT_YET_JUDGED: dict[str, str] = {}
JUDGED = [name for name in CATALOG.names() if name not in NOT_YET_JUDGED]


def judged(kata: str, solution: Path, up_to: int, seed: int = SEED) -> list[StageVerdict]:
    verdicts = judge_kata(CATALOG.get(kata), solution, up_to, seed=seed)
    assert verdicts is not None, f"{kata} declares no judge"
    return verdicts


def explain(verdicts: list[StageVerdict]) -> str:
    return "\n".join(f"stage {v.stage}: {'passed' if v.passed else v.note}" for v in verdicts)


# -- the references earn every stage ----------------------------------------------------------


@pytest.mark.parametrize("kata", CATALOG.names())
def test_every_kata_declares_its_judge_next_to_its_suites(kata):
    declared = declaration_path(CATALOG.get(kata)).is_file()
    if kata in NOT_YET_JUDGED:
        assert not declared, f"{kata} now has a judge: drop it from NOT_YET_JUDGED"
    else:
        assert declared, f"{kata} declares no judge ({declaration_path(CATALOG.get(kata))})"


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
@pytest.mark.parametrize("kata", JUDGED)
def test_the_reference_of_each_stage_passes_it_and_every_earlier_one_under_the_judge(kata, stage):
    begin = time.monotonic()
    verdicts = judged(kata, REPO / "reference" / f"stage{stage}", stage)
    assert [v.stage for v in verdicts] == list(range(1, stage + 1))
    assert all(v.passed for v in verdicts), explain(verdicts)
    assert time.monotonic() - begin < 30, "the judge must stay well within the grading budget"


# -- the zoo: behavioural bugs fail at their own stage, and not before -----------------------

ZOO_SAMPLE = {
    "lru_cache": [
        "s1_evicts_most_recently_used",
        "s1_put_existing_key_keeps_old_recency",
        "s1_get_ignores_default",
        "s2_list_remove_for_recency",
        "s2_keeps_log_of_evicted_entries",
        "s3_load_reverses_recency",
        "s3_no_checksum",
        "s3_true_value_comes_back_as_one",
        "s4_no_lock",
        "s4_get_without_lock",
        "s4_get_or_set_not_single_flight",
        "s4_factory_runs_under_the_lock",
    ],
    "inmemory_db": [
        "s1_len_counts_deleted_keys",
        "s2_expiry_boundary_inclusive",
        "s2_ttl_returns_deadline",
        "s2_purge_counts_stale_heap_entries",
        "s3_rollback_does_not_restore_deleted_keys",
        "s3_transaction_swallows_the_exception",
        "s3_begin_copies_database",
        "s4_scan_insertion_order",
        "s4_scan_prefix_as_regex",
        "s4_scan_sorts_every_key",
    ],
    "inference_batcher": [
        "s1_bool_batch_size_accepted",
        "s1_close_drops_queued_requests",
        "s1_exception_only_to_first_caller",
        "s1_newest_first",
        "s1_one_list_reused_for_every_call",
        "s1_outputs_matched_by_index",
        "s1_sleep_poll_worker",
        "s2_retry_one_by_one",
        "s2_timed_out_request_still_sent",
        "s2_whole_batch_fails",
        "s3_one_request_per_call_under_budget",
        "s3_too_long_input_accepted",
        "s4_sequence_fed_prompt_only",
        "s4_static_batching",
        "s4_stop_token_left_out",
    ],
    "p2p_swarm": [
        "s1_merkle_pads_with_copies_of_the_last_hash",
        "s1_proof_one_hash_short_accepted",
        "s1_verify_proof_raises_on_junk",
        "s2_plans_chunks_received_this_tick",
        "s2_receive_returns_one",
        "s2_transfers_as_dicts",
        "s3_keeps_a_corrupt_chunk",
        "s3_random_pieces_without_rarest_first",
        "s4_plans_from_peers_that_left",
        "s4_refetches_a_racks_chunk_from_outside_for_every_peer",
    ],
}


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("kata", "entry"), [(k, e) for k, entries in ZOO_SAMPLE.items() for e in entries]
)
def test_a_zoo_entry_fails_its_stage_under_the_judge_and_passes_the_earlier_ones(kata, entry, tmp_path):
    stage = int(entry[1])
    solution = solution_from_file(ZOO / kata / f"{entry}.py", kata, tmp_path)
    verdicts = judged(kata, solution, stage)
    assert all(v.passed for v in verdicts[:-1]), explain(verdicts)
    assert not verdicts[-1].passed, explain(verdicts)
    assert verdicts[-1].note.startswith("integrity: "), verdicts[-1].note


@pytest.mark.parametrize("kata", JUDGED)
def test_the_stub_earns_no_stage_from_the_judge(kata, tmp_path):
    stub = CATALOG.get(kata).folder
    solution = tmp_path / "solution"
    shutil.copytree(stub, solution / kata)
    verdicts = judged(kata, solution, 2)
    assert [v.passed for v in verdicts] == [False, False], explain(verdicts)
    assert verdicts[0].note.startswith("integrity: "), verdicts[0].note


def test_a_batcher_whose_close_takes_a_second_is_judged_on_its_requests_alone(tmp_path):
    """The contract bounds how fast requests are served, not how long ``close()`` takes: a
    worker that notices the stop flag only after ``queue.get(timeout=1.0)`` earns stage 1."""
    solution = solution_from_file(REPO / "tests" / "variants" / "inference_batcher" / "close_polls_a_queue.py",
                                  "inference_batcher", tmp_path)
    verdicts = judged("inference_batcher", solution, 1)
    assert verdicts[0].passed, explain(verdicts)


# -- in-process forgeries and attacks on the protocol -----------------------------------------

HOSTILE_CASES = {
    # name: (stages judged, the stage that must fail or None, a fragment of its note)
    "patches_test_report": (2, 1, "expected"),
    "patches_channel_send": (2, 1, "expected"),
    "fakes_perf_counter": (2, 2, "slower at size"),
    "writes_to_the_protocol": (1, 1, "broke the protocol"),
    "floods_the_protocol": (1, 1, "a line over"),
    "exits_in_a_method": (1, 1, "the worker ended"),
    "prints_in_every_call": (1, None, ""),
}


def test_every_hostile_solution_for_the_judge_has_a_case():
    files = {p.stem for p in HOSTILE.glob("*.py")} - {"__init__"}
    assert files == set(HOSTILE_CASES)


@pytest.mark.parametrize("name", sorted(HOSTILE_CASES))
def test_a_hostile_solution_gets_no_stage_it_did_not_earn_from_the_judge(name, tmp_path):
    up_to, failing, fragment = HOSTILE_CASES[name]
    solution = solution_from_file(HOSTILE / f"{name}.py", "lru_cache", tmp_path)
    verdicts = judged("lru_cache", solution, up_to)
    passed = [v.stage for v in verdicts if v.passed]
    expected = list(range(1, up_to + 1)) if failing is None else list(range(1, failing))
    assert passed == expected, explain(verdicts)
    if failing is not None:
        note = verdicts[failing - 1].note
        assert note.startswith("integrity: ") and fragment in note, note


def test_a_worker_that_stops_answering_fails_the_stage_within_its_timeout(tmp_path):
    folder = tmp_path / "solution" / "lru_cache"
    folder.mkdir(parents=True)
    (folder / "lru_cache.py").write_text(
        "import time\n\nclass LRUCache:\n    def __init__(self, capacity):\n        time.sleep(3600)\n"
    )
    kata = CATALOG.get("lru_cache")
    judge = Judge(model=dict, name="cache", stages={})
    begin = time.monotonic()
    with Session(kata, tmp_path / "solution") as session:
        ctx = Context(judge, session, None, "LRUCache")
        with pytest.raises(Exception, match="did not answer within 1 s"):
            ctx.agree([Call("new", [1])], "making a cache", expected=[["v", {"i": 1}]], timeout=1)
    assert time.monotonic() - begin < 15


def test_helpers_run_in_the_worker_and_a_broken_one_is_refused_not_fatal(tmp_path):
    """``Judge.worker``: the kata's helpers run beside the solution; ``ctx.call`` gets plain JSON."""
    kata = CATALOG.get("lru_cache")
    helpers = (
        "def capacity_after(n):\n    return solution_class(n).capacity if hasattr(solution_class(n), 'capacity') else n\n"
        "def broken():\n    raise KeyError('inside the helper')\n"
        "def not_json():\n    return object()\n"
    )
    with Session(kata, REPO / "reference" / "stage1") as session:
        defined = session.request({"op": "define", "module": "helpers", "source": helpers})["defined"]
        assert defined == ["broken", "capacity_after", "not_json"]
        ctx = Context(Judge(model=dict, name="cache", stages={}), session, None, "LRUCache")
        assert ctx.call("capacity_after", 3) == 3
        with pytest.raises(Broken, match="the helper broken raised KeyError"):
            ctx.call("broken")
    with Session(kata, REPO / "reference" / "stage1") as session:
        session.request({"op": "define", "module": "helpers", "source": helpers})
        with pytest.raises(Broken, match="not JSON"):
            Context(Judge(model=dict, name="cache", stages={}), session, None, "LRUCache").call("not_json")


def test_a_solution_that_cannot_be_imported_fails_every_judged_stage_with_the_reason(tmp_path):
    folder = tmp_path / "solution" / "lru_cache"
    folder.mkdir(parents=True)
    (folder / "lru_cache.py").write_text("raise ImportError('nope')\n")
    verdicts = judged("lru_cache", tmp_path / "solution", 2)
    assert [v.passed for v in verdicts] == [False, False]
    assert "could not be imported" in verdicts[0].note and "nope" in verdicts[0].note


# -- the verdict joins the grade ---------------------------------------------------------------


def test_a_judge_failure_fails_only_a_stage_the_suite_passed_and_says_why():
    from dojo.grading.observe import COMPLETED, KataGrade, StageGrade, TestResult
    from dojo.grading.observe import FAILED, PASSED

    stages = [StageGrade(s, f"stage {s}", [TestResult(f"t{s}", s, PASSED if s < 3 else FAILED)])
              for s in (1, 2, 3)]
    grade = KataGrade("lru_cache", "LRU cache", COMPLETED, stages)
    assert grade.highest_stage == 2
    apply(grade, [StageVerdict(1, True), StageVerdict(2, False, "integrity: x"),
                  StageVerdict(3, False, "integrity: y")])
    assert grade.highest_stage == 1
    assert grade.stages[1].failures()[0].message == "integrity: x"
    assert grade.notes == ["integrity: x"]  # stage 3 had failed already: nothing added
    assert len(grade.stages[2].tests) == 1


def test_a_kata_without_a_judge_declaration_is_left_to_its_suites(tmp_path):
    kata = CATALOG.get("lru_cache")
    assert judge_kata(kata, REPO / "reference" / "stage1", 1, suite_root=tmp_path) is None


# -- the wire treats every byte from the worker as hostile ------------------------------------


@pytest.mark.parametrize(
    "line",
    [b"not json", b"[1, 2]", b'{"id": 1, "results": NaN}', b"\xff\xfe", b"[" * 100_000],
)
def test_a_reply_that_is_not_a_protocol_line_is_refused(line):
    with pytest.raises(wire.WireError):
        wire.load_line(line)


def test_a_reply_over_the_line_cap_is_refused_before_parsing():
    with pytest.raises(wire.WireError, match="cap"):
        wire.load_line(b" " * (wire.MAX_LINE + 1))


@pytest.mark.parametrize(
    "form", [{"x": 1}, {"t": 1}, {"d": [[1]]}, {"b": "***"}, {"t": [], "d": []}, {"d": [[[1], 2]]}]
)
def test_a_value_in_no_known_form_is_refused(form):
    with pytest.raises(wire.WireError):
        wire.decode(form)


@pytest.mark.parametrize(
    "value", [None, True, 1, 1.5, "s", b"\x00\xff", (1, ("a",)), [1, [2]], {"k": [None]}, float("inf")]
)
def test_plain_values_survive_the_wire_with_their_types(value):
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert back == value and type(back) is type(value)


def test_a_value_nested_past_the_limit_is_sent_as_opaque_and_still_read():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    back = wire.decode(json.loads(json.dumps(wire.encode(deep))))
    for _ in range(wire.MAX_DEPTH):
        back = back[0]
    assert isinstance(back, wire.Opaque)


def test_answers_keep_types_apart():
    call = Call("get", [1])
    assert not agrees(["v", 1], ["v", True], call)
    assert not agrees(["v", [1]], ["v", {"t": [1]}], call)
    assert agrees(["v", 1.0000000000001], ["v", 1.0], call)
    assert agrees(["x", ["KeyError", "LookupError", "Exception"]], ["x", ["LookupError"]], call)
    assert not agrees(["x", ["Exception"]], ["x", ["KeyError"]], call)
    assert not agrees("garbage", ["v", None], call)


def test_a_mismatch_names_the_call_what_came_back_and_what_was_expected():
    ctx = Context(Judge(model=dict, name="cache", stages={}), None, None, "LRUCache")
    calls = [Call("new", [2]), Call("put", [1, "a"]), Call("get", [1])]
    with pytest.raises(Mismatch) as caught:
        ctx.compare(calls, [["v", {"i": 1}], ["v", None], ["v", None]],
                    [["v", {"i": 1}], ["v", None], ["v", "a"]], "a run")
    text = str(caught.value)
    assert "cache.get(1) returned None; expected returned 'a'" in text
    assert "cache = LRUCache(2); cache.put(1, 'a'); cache.get(1)" in text


# -- the whole grade ---------------------------------------------------------------------------


@pytest.mark.timeout(600)  # the real lru_cache suites run in full (forged passes unlock every stage)
def test_a_forged_pytest_report_earns_nothing_in_a_full_grade(tmp_path):
    """The suites, forged in-process, pass every stage; the judge fails stage 1, so the grade is 0.

    (A full ``dojo grade`` of one kata: about a minute on a loaded machine.)
    """
    from dojo.grading.grader import GradeOptions, grade

    solution = solution_from_file(HOSTILE / "patches_test_report.py", "lru_cache", tmp_path)
    graded = grade(GradeOptions(solution=solution, suite=REPO, upstream=True, katas=("lru_cache",)))
    kata = graded.katas[0]
    assert kata.highest_stage == 0 and kata.score == 0, kata.notes
    judge_failure = [t for t in kata.stages[0].failures() if t.nodeid == "judge::stage1"]
    assert judge_failure and judge_failure[0].message.startswith("integrity: "), kata.notes
