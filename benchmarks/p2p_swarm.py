"""``python -m benchmarks.p2p_swarm``: the references' T against the physical limit, N = 10 .. 10,000.

For each N, one homogeneous swarm (F = 32 chunks, source upload 8, peer
upload 2, download 8) and one source-bound swarm (every capacity 1, F = 16)
run in the kata's own simulator (``stages/support/p2p_swarm.py``) with:

- the final reference (``reference/stage4``): rarest first, a global view;
- random pieces: the same reference with the chunk order shuffled instead
  of ranked by rarity (the baseline stage 3's source-bound swarms catch);
- unicast from the source: T = ⌈N·F/u_s⌉, exact, so computed, not simulated.

It prints T/LB for each, the scheduler's time per tick (inside ``plan`` and
``receive``, as the suites measure it), writes ``docs/p2p_swarm.png`` and,
with ``--write-docs``, the table into ``docs/p2p_swarm.md``.

    python -m benchmarks.p2p_swarm               # N up to 10,000 (a few minutes)
    python -m benchmarks.p2p_swarm --quick       # N up to 300 (seconds)
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from stages.support.p2p_swarm import Run, Swarm, simulate

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "p2p_swarm.md"
PLOT = REPO / "docs" / "p2p_swarm.png"
BEGIN = "<!-- results: begin (written by python -m benchmarks.p2p_swarm --write-docs) -->"
END = "<!-- results: end -->"
FULL = (10, 30, 100, 300, 1_000, 3_000, 10_000)
QUICK = (10, 30, 100, 300)
# Runs that miss the bound go on up to this many times LB (the simulator's rule "open").
HORIZON = 8


def reference(stage: int = 4):
    return importlib.import_module(f"reference.stage{stage}.p2p_swarm.p2p_swarm")


def random_pieces(module):
    """The reference's scheduler with random piece order: no rarest first."""

    class RandomPieces(module.Scheduler):
        def _rarest_first(self):
            chunks = self._picture.wanted()
            self._random.shuffle(chunks)
            return chunks

    return RandomPieces


def homogeneous(n: int) -> Swarm:
    return Swarm(f"homogeneous-{n}", n, 32, 16, 8, tuple((2, 8, 0) for _ in range(n)), rule="plain")


def source_bound(n: int) -> Swarm:
    return Swarm(f"source-bound-{n}", n, 16, 16, 1, tuple((1, 1, 0) for _ in range(n)), rule="source-bound")


@dataclass
class Row:
    swarm: str
    n: int
    lb: int
    allowed: int
    reference_t: int | None
    random_t: int | None
    unicast_t: int
    seconds_per_tick: float

    def ratio(self, t: int | None) -> str:
        return f"> {HORIZON}" if t is None else f"{t / self.lb:.2f}"


def measure(swarm: Swarm, module) -> Row:
    limit = swarm.limit()
    lb = limit.terms.lb()
    # The simulator stops at the swarm's bound; the baselines get up to 8·LB to finish.
    open_ended = replace(swarm, rule="open")
    runs: dict[str, Run] = {}
    for name, scheduler in (("reference", module.Scheduler), ("random", random_pieces(module))):
        runs[name] = simulate(open_ended, module.Manifest, scheduler)
    unicast = -(-(swarm.n * swarm.chunks) // swarm.source_upload)
    ref = runs["reference"]
    return Row(
        swarm.name, swarm.n, lb, limit.tick, ref.finished_at, runs["random"].finished_at, unicast,
        ref.solution_seconds / max(ref.ticks, 1),
    )


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| swarm | N | LB | allowed T | reference T/LB | random pieces T/LB | unicast T/LB | reference time per tick |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r.swarm} | {r.n:,} | {r.lb} | {r.allowed} | {r.ratio(r.reference_t)} | "
            f"{r.ratio(r.random_t)} | {r.unicast_t / r.lb:,.0f} | {1000 * r.seconds_per_tick:.1f} ms |"
        )
    return lines


def plot(rows: list[Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for kind, marker in (("homogeneous", "o"), ("source-bound", "s")):
        mine = [r for r in rows if r.swarm.startswith(kind)]
        ns = [r.n for r in mine]
        left.plot(ns, [r.reference_t / r.lb if r.reference_t else None for r in mine], marker=marker,
                  label=f"reference, {kind}")
        left.plot(ns, [r.random_t / r.lb if r.random_t else HORIZON for r in mine], marker=marker,
                  linestyle="--", label=f"random pieces, {kind}")
        left.plot(ns, [r.allowed / r.lb for r in mine], linestyle=":", color="grey")
        right.plot(ns, [1000 * r.seconds_per_tick for r in mine], marker=marker, label=f"reference, {kind}")
    left.set_xscale("log")
    left.set_xlabel("N peers")
    left.set_ylabel("T / LB (dotted: the stage's allowance)")
    left.set_title("Distribution time against the Kurose–Ross bound")
    left.legend(fontsize=7)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("N peers")
    right.set_ylabel("ms per tick in plan + receive")
    right.set_title("Scheduler time per tick")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_docs(lines: list[str]) -> None:
    text = DOCS.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOCS.write_text(head + BEGIN + "\n" + "\n".join(lines) + "\n" + END + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.p2p_swarm", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N up to 300 only")
    parser.add_argument("--write-docs", action="store_true", help="write the table into docs/p2p_swarm.md")
    args = parser.parse_args(argv)
    module = reference()
    rows = []
    for n in QUICK if args.quick else FULL:
        for swarm in (homogeneous(n), source_bound(n)):
            row = measure(swarm, module)
            rows.append(row)
            print(table([row])[-1], flush=True)
    lines = table(rows)
    print("\n".join(lines))
    try:
        plot(rows, PLOT)
        print(f"plot: {PLOT.relative_to(REPO)}")
    except ImportError:
        print("matplotlib is not installed: no plot (pip install -e '.[bench]')", file=sys.stderr)
    if args.write_docs:
        write_docs(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
