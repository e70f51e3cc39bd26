"""The results as Markdown: the machine, the targets, and one table per concern."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

from benchmarks import db, lru
from benchmarks.table import markdown, ns, ratio
from benchmarks.targets import Target


def describe_machine() -> dict:
    """The processor, the cores this process may use, Python, and the load when asked."""
    model = "unknown processor"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {
        "processor": model,
        "cores": cores,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load_average(),
    }


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine_line(machine: dict) -> str:
    return (
        f"{machine['processor']}, {machine['cores']} cores, {machine['implementation']} "
        f"{machine['python']} on {machine['system']}; run on {machine['date']}; "
        f"load average (1/5/15 min) {machine['load_start']} at the start, "
        f"{machine['load_end']} at the end."
    )


def targets_table(targets: list[Target]) -> str:
    rows = [
        (t.name, f"{t.measured:.2f} s" if t.limit.endswith(" s") else ratio(t.measured), t.limit,
         "yes" if t.met else "**no**", t.where)
        for t in targets
    ]
    return markdown(("target", "measured", "limit", "met", "worst case / detail"), rows, "lrlll")


def lru_table(results) -> str:
    workloads = list(results)
    names = list(next(iter(results.values())))
    rows = []
    for name in names:
        row = [name]
        for workload in workloads:
            samples = results[workload]
            value = samples[name].median
            row.append(f"{ns(value)} ({ratio(value / samples[lru.ANCHOR].median)})")
        rows.append(row)
    return markdown(("ns/op (ratio to lru.LRU)", *workloads), rows)


def db_table(results) -> str:
    rows = []
    for workload, samples in results.items():
        floor = next((samples[f] for f in (db.FLOOR, db.TTL_FLOOR, db.SCAN_FLOOR) if f in samples), None)
        sqlite = samples.get(db.SQLITE)
        for name, s in samples.items():
            rows.append((
                workload, name, ns(s.median),
                ratio(s.median / floor.median) if floor else "–",
                ratio(s.median / sqlite.median) if sqlite else "–",
            ))
            workload = ""  # name the workload once
    return markdown(("workload", "contender", "ns/op", "vs floor", "vs sqlite3"), rows, "llrrr")


def growth_table(results) -> str:
    sizes = sorted(next(iter(results.values())))
    rows = []
    for name, by_size in results.items():
        rows.append((name, *(ns(by_size[s].median) for s in sizes),
                     ratio(by_size[sizes[-1]].median / by_size[sizes[0]].median)))
    return markdown(("ns/op at size", *(f"{s:,}" for s in sizes), f"{sizes[-1]:,} vs {sizes[0]:,}"), rows)


def suites_table(runs) -> str:
    rows = [
        (run.label, run.profile, f"{run.wall:.1f}" if run.wall else "–",
         f"{run.cpu:.1f}" if run.wall else "–",
         f"{run.first_failure:.1f}" if run.first_failure is not None else "–", run.status)
        for run in runs
    ]
    return markdown(("pytest stages/stageN --solution reference (or a zoo entry)", "profile", "wall s",
                     "CPU s", "first failure s", "result"), rows, "llrrrl")


def render(results: dict, targets: list[Target], settings: str, plot: str | None) -> str:
    """The whole results section."""
    parts = [f"Machine: {machine_line(results['machine'])}", "", f"Settings: {settings}", ""]
    if targets:
        parts += ["### Targets", "", targets_table(targets), ""]
    if "lru" in results:
        parts += ["### LRU cache: 70% get / 30% put over 2x capacity keys, prefilled", "",
                  lru_table(results["lru"]), ""]
    if "db" in results:
        parts += ["### In-memory database", "", db_table(results["db"]), ""]
    if "growth" in results:
        parts += ["### Growth: time per operation against size", "", growth_table(results["growth"]), ""]
        if plot:
            parts += [f"![time per operation against size, log axes]({plot})", ""]
    if "suites" in results:
        parts += ["### The suites with the reference", "", suites_table(results["suites"]), ""]
    return "\n".join(parts)
