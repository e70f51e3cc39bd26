"""How many examples each model test needs before it catches each zoo entry.

The learner's profile (``dojo``) runs every property and state machine for a
fixed number of examples; most of a passing run's time is spent there. How
few would do is a question for the project's zoo: for each behavioural entry
(one that some sequence of calls on one thread shows; ``tests/zoo/<kata>/zoo.toml``
names the others) and each seed, this runs the entry's stage model test alone,
without the example database, in the generate phase only (no shrinking), and
counts the state machines built until the first failure: the examples that
seed needed. The largest count over entries and seeds is the fewest examples
the profile could run and still catch every entry under those seeds.

    python -m benchmarks.examples                       # every kata with a zoo, seeds 0..4
    python -m benchmarks.examples --kata lru_cache --seeds 0,1,2 --jobs 2

It takes minutes (a few hundred pytest processes); it is evidence for
choosing the profile's size, not a check that runs in CI.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from benchmarks.references import REPO
from benchmarks.table import markdown
from dojo.catalog import load_catalog
from dojo.profiles import DEFAULT_PROFILE
from tests.support import ZOO, expected_stage, solution_with_files, zoo_entries
from tests.zoo_settings import load_zoo_settings

CEILING = 1000  # examples a run may try before it counts as "not caught"

# A pytest plugin, loaded with -p: a profile like the learner's with no example
# database, generation only and a high ceiling; it counts the machines built, keeps
# only the one test asked for (the dojo plugin would run the earlier stages too),
# and prints the count as the process ends.
PLUGIN = textwrap.dedent(
    f"""
    import atexit, os
    import pytest
    from hypothesis import Phase, settings
    from hypothesis.stateful import RuleBasedStateMachine
    from dojo import profiles

    settings.register_profile(
        "examples-needed", settings.get_profile({DEFAULT_PROFILE!r}), database=None,
        phases=(Phase.generate,), max_examples={CEILING},
    )
    BUILT = [0]
    _init = RuleBasedStateMachine.__init__

    def _counting(self, *args, **kwargs):
        BUILT[0] += 1
        _init(self, *args, **kwargs)

    RuleBasedStateMachine.__init__ = _counting
    atexit.register(lambda: print(f"\\nMACHINES BUILT {{BUILT[0]}}"))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(session, config, items):
        wanted = os.environ["EXAMPLES_NEEDED_TEST"]
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid != wanted])
        items[:] = [i for i in items if i.nodeid == wanted]
    """
)


@dataclass(frozen=True)
class Probe:
    kata: str
    entry: str
    stage: int
    test: str
    seed: int
    needed: int | None  # examples until the first failure; None: not caught within CEILING


def _probe(kata: str, entry: Path, test: str, seed: int, work: Path) -> Probe:
    stage = expected_stage(entry)
    solution = solution_with_files(entry, kata, work / f"{entry.stem}-{seed}")
    nodeid = f"stages/stage{stage}/test_{kata}.py::{test}"
    env = dict(os.environ, PYTHONPATH=str(work), EXAMPLES_NEEDED_TEST=nodeid,
               DOJO_STATE_DIR=str(work / f"state-{entry.stem}-{seed}"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", nodeid, "--kata", kata, "--solution", str(solution),
         "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "examples_needed",
         "--hypothesis-profile=examples-needed", f"--hypothesis-seed={seed}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    ).stdout
    built = re.search(r"MACHINES BUILT (\d+)", out)
    caught = " failed" in out
    return Probe(kata, entry.stem, stage, test, seed, int(built.group(1)) if caught and built else None)


def run(katas: list[str], seeds: list[int], jobs: int, progress=print) -> list[Probe]:
    """Every behavioural entry of ``katas`` under every seed."""
    plan = []
    for kata in katas:
        settings = load_zoo_settings(kata)
        for entry in zoo_entries(kata):
            stage = expected_stage(entry)
            if settings.behavioural(entry) and stage in settings.model_tests:
                plan += [(kata, entry, settings.model_tests[stage], seed) for seed in seeds]
    progress(f"examples: {len(plan)} runs")
    with tempfile.TemporaryDirectory(prefix="dojo-examples-") as tmp:
        work = Path(tmp)
        (work / "examples_needed.py").write_text(PLUGIN)
        with ThreadPoolExecutor(jobs) as pool:
            return list(pool.map(lambda job: _probe(*job, work), plan))


def table(probes: list[Probe], seeds: list[int]) -> str:
    """Per kata and stage: entries, the largest count, and the entries that needed most."""
    rows = []
    for key in sorted({(p.kata, p.stage, p.test) for p in probes}):
        mine = [p for p in probes if (p.kata, p.stage, p.test) == key]
        worst = max(mine, key=lambda p: CEILING + 1 if p.needed is None else p.needed)
        counts = sorted(p.needed for p in mine if p.needed is not None)
        median = counts[len(counts) // 2] if counts else "–"
        shown = "not caught" if worst.needed is None else str(worst.needed)
        rows.append((f"{key[0]} stage {key[1]}", key[2], str(len({p.entry for p in mine})), str(median),
                     shown, f"{worst.entry} (seed {worst.seed})"))
    return markdown(("kata", f"model test (seeds {', '.join(map(str, seeds))})", "entries",
                     "median", "most", "needed most"), rows, "llrrrl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.examples", description=__doc__.split("\n")[0])
    parser.add_argument("--kata", action="append", help="a kata with a zoo (repeatable; default: all)")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated hypothesis seeds")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="runs at once")
    args = parser.parse_args(argv)
    katas = args.kata or [k for k in load_catalog(REPO).names() if (ZOO / k).is_dir()]
    seeds = [int(s) for s in args.seeds.split(",")]
    probes = run(katas, seeds, args.jobs, lambda line: print(line, file=sys.stderr))
    print(table(probes, seeds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
