"""After a stage passes: the learner's code beside the reference, and a benchmark.

No spoilers: the reference of a stage is shown only once the learner's code
has passed it. The benchmark's workload and its peers (well-known libraries
doing the same job) are the kata's own declaration, ``benchmarks/compare/<kata>.py`` (outside
the learner's folder, which stage suites may scan, and never part of a diff):

- ``make(cls)``: a fresh object of a solution's class, ready for the workload;
- ``workload(obj) -> int``: the same operations on any object with the kata's
  API; returns how many it did;
- ``peers() -> list[(name, factory or None, note)]``: library-backed objects
  with the kata's API (``None`` and a note when the library is not installed).

Every subject runs the same workload in the same process, back to back, and
the best of a few repeats counts, so the ratios mean something even on a busy
machine; the absolute numbers are only this machine's, now.
"""

from __future__ import annotations

import difflib
import gc
import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from dojo.catalog import Kata
from dojo.learner import state
from dojo.learner.workspace import FAILING, USAGE, Problem, Workspace
from dojo.loader import load_solution

BENCH_DIR = Path("benchmarks") / "compare"
REPEAT = 5
BUDGET = 0.5  # seconds of repeats for the slowest subject, so a slow solution keeps the run short
NOTHING_PASSED = (
    "no stage of {kata} has passed yet, so there is no reference to compare with "
    "(no spoilers); next: dojo run {kata}"
)
NOT_PASSED = (
    "stage {stage} of {kata} has not passed yet (the best so far is stage {best}); "
    "its reference is shown only once it has (no spoilers)"
)
NO_REFERENCE = "{path}: no reference solution for stage {stage} of {kata}"


@dataclass(frozen=True)
class FileDiff:
    name: str
    lines: list[str]  # unified diff, yours -> reference; empty when identical


@dataclass(frozen=True)
class BenchRow:
    name: str
    ops_per_second: float | None
    ratio: float | None  # ops per second relative to the learner's
    note: str = ""


@dataclass
class Comparison:
    kata: Kata
    stage: int
    yours: Path
    reference: Path
    diffs: list[FileDiff] = field(default_factory=list)
    bench: list[BenchRow] = field(default_factory=list)
    bench_note: str = ""
    ops: int = 0


def _sources(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.py"))}


def diff(ws: Workspace, yours: Path, reference: Path) -> list[FileDiff]:
    """Each Python file of either folder: what the reference does differently."""
    mine, theirs = _sources(yours), _sources(reference)
    result = []
    for name in sorted(set(mine) | set(theirs)):
        lines = list(
            difflib.unified_diff(
                mine.get(name, "").splitlines(keepends=True),
                theirs.get(name, "").splitlines(keepends=True),
                fromfile=f"yours: {ws.show(yours / name)}",
                tofile=f"reference: {ws.show(reference / name)}",
            )
        )
        result.append(FileDiff(name, [line.rstrip("\n") for line in lines]))
    return result


def bench_path(ws: Workspace, kata: Kata) -> Path:
    return ws.root / BENCH_DIR / f"{kata.name}.py"


def load_bench(ws: Workspace, kata: Kata) -> ModuleType | None:
    path = bench_path(ws, kata)
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"_dojo_bench_{kata.name}", path)
    assert spec is not None and spec.loader is not None  # a .py file always has a spec and loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _time_once(bench: ModuleType, factory) -> tuple[float, int]:
    obj = factory()
    gc.disable()
    try:
        start = time.perf_counter()
        ops = bench.workload(obj)
        return time.perf_counter() - start, ops
    finally:
        gc.enable()


def _measure_all(bench: ModuleType, factories: dict[str, object]) -> dict[str, tuple[float | None, int, str]]:
    """Ops per second of each subject: a warm-up round, then interleaved rounds.

    Interleaving (A B C, A B C, ...) rather than A A A, B B B spreads any
    drift of the machine (other processes, CPU frequency) over every subject
    alike; the best round of each counts.
    """
    best: dict[str, float] = {}
    ops: dict[str, int] = {}
    problems: dict[str, str] = {}
    for name, factory in factories.items():  # warm-up, and a gauge of the cost
        try:
            best[name], ops[name] = _time_once(bench, factory)
        except Exception as exc:  # noqa: BLE001 - learner code may raise anything
            problems[name] = f"raised {type(exc).__name__}: {exc}"[:200]
    slowest = max(best.values(), default=0.0)
    rounds = max(1, min(REPEAT, int(BUDGET / max(slowest, 1e-9))))
    for _ in range(rounds):
        for name in list(best):
            seconds, _ = _time_once(bench, factories[name])
            best[name] = min(best[name], seconds)
    result: dict[str, tuple[float | None, int, str]] = {}
    for name in factories:
        if name in problems:
            result[name] = (None, 0, problems[name])
        else:
            seconds = best[name]
            result[name] = (ops[name] / seconds if seconds > 0 else None, ops[name], "")
    return result


def benchmark(ws: Workspace, kata: Kata, stage: int) -> tuple[list[BenchRow], str, int]:
    """The workload of ``benchmarks/compare/<kata>.py`` on yours, the reference and the peers."""
    try:
        bench = load_bench(ws, kata)
    except Exception as exc:  # noqa: BLE001
        return [], f"{ws.show(bench_path(ws, kata))} raised {type(exc).__name__}: {exc}", 0
    if bench is None:
        return [], f"no benchmark: {kata.name} declares none ({ws.show(bench_path(ws, kata))})", 0
    subjects: list[tuple[str, object, str]] = []
    for label, root in (("yours", ws.solutions()), (f"reference (stage {stage})", ws.reference(stage))):
        loaded = load_solution(kata, root)
        if loaded.cls is None:
            subjects.append((label, None, f"cannot import: {loaded.problem}"))
        else:
            cls = loaded.cls
            subjects.append((label, lambda cls=cls: bench.make(cls), ""))
    for name, factory, note in bench.peers():
        subjects.append((name, factory, note or ("not installed" if factory is None else "")))
    measured = _measure_all(bench, {name: f for name, f, _ in subjects if f is not None})
    rows, ops = [], 0
    for name, factory, note in subjects:
        if factory is None:
            rows.append(BenchRow(name, None, None, note))
            continue
        rate, count, problem = measured[name]
        ops = ops or count
        rows.append(BenchRow(name, rate, None, problem))
    yours = rows[0].ops_per_second
    rows = [
        BenchRow(
            r.name, r.ops_per_second, r.ops_per_second / yours if yours and r.ops_per_second else None, r.note
        )
        for r in rows
    ]
    return rows, "", ops


def compare(ws: Workspace, kata: Kata, stage: int | None = None, *, bench: bool = True) -> Comparison:
    """Diff and benchmark for a stage the learner has passed (default: the best one)."""
    best = state.kata_progress(ws, kata).best
    if stage is None:
        if best == 0:
            raise Problem(NOTHING_PASSED.format(kata=kata.name), FAILING)
        stage = best
    ws.check_stage(kata, stage)
    if stage > best:
        raise Problem(NOT_PASSED.format(stage=stage, kata=kata.name, best=best), FAILING)
    reference = ws.reference(stage) / kata.name
    if not reference.is_dir():
        raise Problem(NO_REFERENCE.format(path=ws.show(reference), stage=stage, kata=kata.name), USAGE)
    yours = ws.solutions() / kata.name
    result = Comparison(kata, stage, yours, reference, diff(ws, yours, reference))
    if bench:
        result.bench, result.bench_note, result.ops = benchmark(ws, kata, stage)
    return result
