"""The learner's state, tested directly: runs folded into progress, the clock, the root."""

from __future__ import annotations

import json

import pytest

from dojo.learner import state
from dojo.learner.workspace import Problem, Workspace, find_root

MANIFEST = """\
format = 1

[[kata]]
name = "a"
module = "a"
class = "A"
stages = ["One", "Two", "Three"]

[[kata]]
name = "b"
module = "b"
class = "B"
stages = ["One", "Two"]
"""


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Workspace:
    (tmp_path / "katas").mkdir()
    (tmp_path / "katas" / "katas.toml").write_text(MANIFEST)
    monkeypatch.delenv("DOJO_STATE_DIR", raising=False)
    monkeypatch.delenv("DOJO_NOW", raising=False)
    return Workspace.discover(tmp_path)


def write_run(ws: Workspace, finished: str, fingerprint: str | None = None,
              **katas: dict[int, str]) -> None:
    """Append a run to the log: for each kata, stage -> status ("passed", "failed",
    "partial": 1 of 2 tests ran and passed, "locked")."""
    body = {}
    for name, stages in katas.items():
        entries = {}
        for s, v in stages.items():
            passed = {"passed": 2, "failed": 1, "partial": 1}.get(v, 0)
            entries[str(s)] = {"total": 2, "passed": passed, "failed": int(v == "failed"),
                               "locked": 2 if v == "locked" else 0, "failures": []}
        body[name] = {"fingerprint": fingerprint, "stages": entries}
    path = ws.root / ".dojo" / "runs.jsonl"
    path.parent.mkdir(exist_ok=True)
    with open(path, "a") as log:
        log.write(json.dumps({"event": "run", "finished_at": finished, "katas": body}) + "\n")


def test_each_stage_keeps_its_latest_verdict_with_its_time(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed", 2: "failed"})
    progress = state.kata_progress(ws, ws.kata("a"))
    assert (progress.best, progress.current, progress.runs) == (1, 2, 1)
    assert progress.result(2).describe() == "failed (1 of 2)"
    assert progress.result(1).at == "2026-01-01T10:00:00+00:00"


def test_a_later_run_of_fewer_stages_does_not_erase_later_verdicts(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed", 2: "passed", 3: "passed"})
    write_run(ws, "2026-01-01T10:05:00+00:00", a={1: "passed"})
    progress = state.kata_progress(ws, ws.kata("a"))
    assert [progress.result(s).outcome for s in (1, 2, 3)] == ["passed"] * 3
    assert progress.result(1).at == "2026-01-01T10:05:00+00:00"
    assert progress.result(3).at == "2026-01-01T10:00:00+00:00"
    assert progress.highest_passed() == 3 and progress.best == 3


def test_a_partial_or_locked_stage_is_no_verdict_and_a_failure_breaks_the_chain(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed", 2: "passed"})
    write_run(ws, "2026-01-01T10:01:00+00:00", a={1: "partial", 2: "partial"})
    progress = state.kata_progress(ws, ws.kata("a"))
    assert progress.result(1).at == "2026-01-01T10:00:00+00:00"  # the partial run changed nothing
    write_run(ws, "2026-01-01T10:05:00+00:00", a={1: "failed", 2: "locked"})
    progress = state.kata_progress(ws, ws.kata("a"))
    assert progress.best == 2 and progress.highest_passed() == 0
    assert progress.result(1).outcome == "failed" and progress.result(2).outcome == "passed"


def test_a_partial_run_never_unlocks(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "partial"})
    progress = state.kata_progress(ws, ws.kata("a"))
    assert (progress.best, progress.highest_passed(), progress.current) == (0, 0, 1)
    assert progress.runs == 1


def test_a_run_of_one_kata_keeps_the_other_katas_results(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed"})
    write_run(ws, "2026-01-01T10:01:00+00:00", b={1: "failed"})
    assert state.kata_progress(ws, ws.kata("a")).result(1).outcome == "passed"
    assert state.kata_progress(ws, ws.kata("b")).result(1).outcome == "failed"


def test_stages_beyond_the_unlocked_one_read_locked(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "failed"})
    progress = state.kata_progress(ws, ws.kata("a"))
    assert [progress.shown(s).outcome for s in (1, 2, 3)] == ["failed", "locked", "locked"]
    write_run(ws, "2026-01-01T10:01:00+00:00", a={1: "passed"})
    progress = state.kata_progress(ws, ws.kata("a"))
    assert [progress.shown(s).outcome for s in (1, 2, 3)] == ["passed", "not run", "locked"]


def test_a_pass_on_code_changed_since_is_known(ws):
    folder = ws.root / "katas" / "a"
    folder.mkdir()
    (folder / "a.py").write_text("class A:\n    pass\n")
    from dojo import stubs
    write_run(ws, "2026-01-01T10:00:00+00:00", fingerprint=stubs.fingerprint(folder), a={1: "passed"})
    assert not state.kata_progress(ws, ws.kata("a")).changed_since(1)
    (folder / "a.py").write_text("class A:\n    x = 1\n")
    assert state.kata_progress(ws, ws.kata("a")).changed_since(1)


def test_a_reset_starts_the_kata_afresh_in_the_log(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed"})
    state.forget(ws, ws.kata("a"))
    progress = state.kata_progress(ws, ws.kata("a"))
    assert (progress.ran, progress.best) == (False, 0)
    lines = (ws.root / ".dojo" / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["event"] == "reset"


def test_corrupt_and_torn_log_lines_are_skipped_with_one_warning_line(ws, capsys):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed"})
    with open(ws.root / ".dojo" / "runs.jsonl", "a") as log:
        log.write("garbage\n[1, 2]\n{\"event\": \"run\", \"fini")
    assert state.kata_progress(ws, ws.kata("a")).best == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "3 unreadable line(s) skipped (line 2)" in err


def test_the_clock_can_be_faked_and_a_bad_fake_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("DOJO_NOW", "2026-01-31T09:30:00")
    assert state.stamp(state.now()) == "2026-01-31T09:30:00+00:00"
    monkeypatch.setenv("DOJO_NOW", "half past nine")
    with pytest.raises(Problem, match=r"^DOJO_NOW='half past nine' is not an ISO date"):
        state.now()


def test_the_root_is_found_from_a_subfolder_and_its_absence_is_one_line(ws, tmp_path):
    deep = ws.root / "katas" / "a" / "tasks"
    deep.mkdir(parents=True)
    assert find_root(deep) == ws.root
    elsewhere = tmp_path.parent / f"{tmp_path.name}-outside"
    elsewhere.mkdir()
    with pytest.raises(Problem, match=r"^no katas/katas.toml in .* or any folder above it"):
        find_root(elsewhere)


def test_a_state_file_that_is_not_ours_is_rebuilt_with_one_warning(ws, capsys):
    path = ws.root / ".dojo" / "hints.json"
    path.parent.mkdir()
    path.write_text(json.dumps([1, 2, 3]))
    assert state.load(ws, state.HINTS) == {"format": 1}
    err = capsys.readouterr().err
    assert err == f"kata-dojo: warning: {path} is not a kata-dojo state file; starting it afresh\n"
    state.save(ws, state.HINTS, {"katas": {}})
    assert json.loads(path.read_text()) == {"format": 1, "katas": {}}
    assert [p.name for p in path.parent.iterdir()] == ["hints.json"]  # no temporary left
