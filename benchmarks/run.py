"""``python -m benchmarks``: run every benchmark, print the tables, write the plot.

    python -m benchmarks                 # the full run of issue 6 (a few minutes)
    python -m benchmarks --quick         # the same code on tiny workloads (seconds)
    python -m benchmarks --only lru      # one concern: lru, db, growth, suites (repeatable)
    python -m benchmarks --write-docs    # also put the results into docs/benchmarks.md

Needs the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import db, growth, lru, report, suites, targets
from benchmarks.references import REPO

CONCERNS = ("lru", "db", "growth", "suites")
DOCS = REPO / "docs" / "benchmarks.md"
PLOT = REPO / "docs" / "growth.png"
BEGIN = "<!-- results: begin (written by python -m benchmarks --write-docs) -->"
END = "<!-- results: end -->"
MISSING_EXTRA = "benchmarks: {name} is not installed; install the bench extra: pip install -e '.[bench]'"


@dataclass(frozen=True)
class Mode:
    """How much work each concern does: the full run of the issue, or a smoke run."""

    repeats: int
    lru_ops: int
    lru_capacities: tuple[int, ...]
    db_plan: db.Plan
    growth_sizes: tuple[int, ...]
    growth_ops: int
    quick: bool

    def describe(self) -> str:
        return (
            f"{self.repeats} repeats, medians; LRU {self.lru_ops:,} operations per workload at "
            f"capacities {', '.join(f'{c:,}' for c in self.lru_capacities)}; database "
            f"{self.db_plan.size:,} keys, {self.db_plan.ops:,} operations per workload, "
            f"{self.db_plan.rounds:,} transaction rounds, scans "
            + ", ".join(f"{n:,} x {k:,} keys" for k, n in self.db_plan.scans.items())
            + f"; growth {self.growth_ops:,} operations per size"
        )


FULL = Mode(
    repeats=3, lru_ops=1_000_000, lru_capacities=(1_000, 100_000),
    db_plan=db.Plan(ops=200_000, rounds=20_000, scans={10: 20_000, 1_000: 500, 10_000: 50}),
    growth_sizes=(1_000, 10_000, 100_000, 1_000_000), growth_ops=100_000, quick=False,
)
QUICK = Mode(
    repeats=2, lru_ops=3_000, lru_capacities=(100, 1_000),
    db_plan=db.Plan(ops=1_000, rounds=100, scans={10: 50, 1_000: 2, 10_000: 1}, size=20_000),
    growth_sizes=(100, 1_000), growth_ops=500, quick=True,
)


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny workloads: a smoke run in seconds")
    parser.add_argument("--only", action="append", choices=CONCERNS,
                        help="run only this concern (repeatable; default: all)")
    parser.add_argument("--repeats", type=int, help="repeats per measurement (default: 3, quick: 2)")
    parser.add_argument("--plot", type=Path, default=None,
                        help=f"where to write the growth plot (default: {PLOT.relative_to(REPO)})")
    parser.add_argument("--json", type=Path, help="also write every sample and the targets as JSON")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"replace the results section of {DOCS.relative_to(REPO)}")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    return args


def _check_extra() -> str | None:
    import importlib.util

    for module, name in (("cachetools", "cachetools"), ("lru", "lru-dict"), ("boltons", "boltons"),
                         ("matplotlib", "matplotlib")):
        if importlib.util.find_spec(module) is None:
            return MISSING_EXTRA.format(name=name)
    return None


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    args = parse(argv)
    problem = _check_extra()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    mode = QUICK if args.quick else FULL
    repeats = args.repeats or mode.repeats
    concerns = args.only or list(CONCERNS)
    plot = args.plot or PLOT
    started = time.perf_counter()

    results: dict = {"machine": report.describe_machine()}
    results["machine"]["load_start"] = results["machine"].pop("load")
    if "lru" in concerns:
        results["lru"] = lru.run(mode.lru_ops, mode.lru_capacities, repeats, _progress)
    if "db" in concerns:
        results["db"] = db.run(mode.db_plan, repeats, _progress)
    if "growth" in concerns:
        results["growth"] = growth.run(mode.growth_sizes, mode.growth_ops, repeats, _progress)
        plot.parent.mkdir(parents=True, exist_ok=True)
        growth.plot(results["growth"], plot, f"{results['machine']['processor']}, "
                    f"{results['machine']['date']}; median of {repeats}")
        _progress(f"growth: plot written to {plot}")
    if "suites" in concerns:
        results["suites"] = suites.run(mode.quick, _progress)
    results["machine"]["load_end"] = report.load_average()
    results["machine"]["seconds"] = round(time.perf_counter() - started, 1)

    checked = targets.evaluate(results)
    settings = mode.describe().replace(f"{mode.repeats} repeats", f"{repeats} repeats")
    settings += f"; the whole run took {results['machine']['seconds']:.0f} s"
    plot_link = _relative(plot, DOCS.parent)
    section = report.render(results, checked, settings, plot_link)
    print(section)
    if args.json:
        args.json.write_text(json.dumps(_as_json(results, checked), indent=1))
    if args.write_docs:
        _write_docs(section)
        _progress(f"results written to {DOCS}")
    return 0


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _as_json(results: dict, checked) -> dict:
    out = {"format": 1, "machine": results["machine"], "targets": [t.as_json() for t in checked]}
    for concern in ("lru", "db"):
        if concern in results:
            out[concern] = {
                workload: {name: {"median_ns": s.median, "samples_ns": s.ns_per_op} for name, s in by.items()}
                for workload, by in results[concern].items()
            }
    if "growth" in results:
        out["growth"] = {
            name: {str(size): {"median_ns": s.median, "samples_ns": s.ns_per_op} for size, s in by.items()}
            for name, by in results["growth"].items()
        }
    if "suites" in results:
        out["suites"] = [run.as_json() for run in results["suites"]]
    return out


def _write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{DOCS}: no results markers ({BEGIN!r} ... {END!r}); add them where the results go")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOCS.write_text(f"{head}{BEGIN}\n{section}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
