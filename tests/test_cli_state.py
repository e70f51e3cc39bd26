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


def write_run(ws: Workspace, finished: str, **katas: dict[int, str]) -> None:
    """A last_run.json: for each kata, stage -> status."""
    body = {}
    for name, stages in katas.items():
        highest = 0
        for stage in sorted(stages):
            if stages[stage] != "passed":
                break
            highest = stage
        body[name] = {"highest_stage": highest, "stages": {
            str(s): {"status": v, "total": 1, "passed": int(v == "passed"),
                     "failed": int(v == "failed"), "failures": []} for s, v in stages.items()}}
    path = ws.root / ".dojo" / "last_run.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"format": 1, "finished_at": finished, "katas": body}))


def test_a_run_is_folded_in_once_and_reports_the_stages_it_newly_passed(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed", 2: "failed"})
    [seen] = state.sync(ws)
    assert (seen.kata.name, seen.asked, seen.highest, seen.newly_passed) == ("a", 2, 1, (1,))
    assert state.sync(ws) == []  # the same run again: nothing new
    progress = state.kata_progress(ws, ws.kata("a"))
    assert (progress.best, progress.current, progress.runs) == (1, 2, 1)
    assert progress.result(2).describe() == "failed (1 of 1)"


def test_the_best_stage_never_goes_down_but_results_are_the_latest(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed", 2: "passed"})
    state.sync(ws)
    write_run(ws, "2026-01-01T10:05:00+00:00", a={1: "failed"})
    [seen] = state.sync(ws)
    assert seen.newly_passed == ()
    progress = state.kata_progress(ws, ws.kata("a"))
    assert progress.best == 2 and progress.highest_passed() == 0
    assert progress.result(1).status == "failed" and progress.result(2).status == "not run"


def test_a_run_of_one_kata_keeps_the_other_katas_results(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "passed"})
    state.sync(ws)
    write_run(ws, "2026-01-01T10:01:00+00:00", b={1: "failed"})
    state.sync(ws)
    assert state.kata_progress(ws, ws.kata("a")).result(1).status == "passed"
    assert state.kata_progress(ws, ws.kata("b")).result(1).status == "failed"


def test_stages_beyond_the_unlocked_one_read_locked(ws):
    write_run(ws, "2026-01-01T10:00:00+00:00", a={1: "failed"})
    state.sync(ws)
    progress = state.kata_progress(ws, ws.kata("a"))
    assert [progress.shown(s).status for s in (1, 2, 3)] == ["failed", "locked", "locked"]
    write_run(ws, "2026-01-01T10:01:00+00:00", a={1: "passed"})
    state.sync(ws)
    progress = state.kata_progress(ws, ws.kata("a"))
    assert [progress.shown(s).status for s in (1, 2, 3)] == ["passed", "not run", "locked"]


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
    path = ws.root / ".dojo" / "progress.json"
    path.parent.mkdir()
    path.write_text(json.dumps([1, 2, 3]))
    assert state.load(ws, state.PROGRESS) == {"format": 1}
    err = capsys.readouterr().err
    assert err == f"kata-dojo: warning: {path} is not a kata-dojo state file; starting it afresh\n"
    state.save(ws, state.PROGRESS, {"katas": {}})
    assert json.loads(path.read_text()) == {"format": 1, "katas": {}}
    assert [p.name for p in path.parent.iterdir()] == ["progress.json"]  # no temporary left
