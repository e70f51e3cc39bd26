"""Benchmark of the inference batcher references under Poisson arrivals.

Run it with ``python -m benchmarks.inference_batcher`` (``--quick`` for a
short run, ``--write-docs`` to rewrite ``docs/inference_batcher.md`` and its
plot). Nothing here is graded: the contract leaves latency and utilization
to benchmarks.

The "GPU" is a fake model whose call sleeps a fixed launch cost plus a cost
per padded token (inputs x longest input), so batching pays and padding
costs, as on a real accelerator. Callers arrive as a Poisson process at 50%,
80% and 100% of a target load, each in its own thread, and wait
synchronously. For each server the run reports throughput, model
utilization (the share of wall time the model was busy) and P50/P99
latency:

- ``infer``: one request per call (the stage 1 reference with
  ``max_batch_size=1``), dynamic batching with a window (stage 2), and a
  token budget with length bucketing (stage 3), on inputs whose lengths are
  bimodal (chat-sized and document-sized);
- ``generate``: static batching (a batch runs until its longest sequence is
  done, then the next one is admitted) against continuous batching (the
  stage 4 reference), one model call per decode step;
- the stage 4 reference's step count on the contract's step workload,
  against the contract's bound (70 calls) and the two schedules it names.
"""

from __future__ import annotations

import argparse
import math
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.references import REPO, reference_classes

KATA = "inference_batcher"
DOCS = REPO / "docs" / "inference_batcher.md"
PLOT = REPO / "docs" / "inference_batcher.png"
LOADS = (0.5, 0.8, 1.0)


# --------------------------------------------------------------------------- the fake GPU


class FakeGPU:
    """A model whose call takes ``launch + per_token x padded tokens`` seconds; it records busy time."""

    def __init__(self, launch: float, per_token: float, output=len) -> None:
        self.launch = launch
        self.per_token = per_token
        self.output = output
        self.busy = 0.0
        self.calls = 0
        self.real_tokens = 0
        self.padded_tokens = 0

    def __call__(self, inputs: list) -> list:
        padded = len(inputs) * max(len(x) for x in inputs)
        cost = self.launch + self.per_token * padded
        start = time.perf_counter()
        time.sleep(cost)
        self.busy += time.perf_counter() - start
        self.calls += 1
        self.real_tokens += sum(len(x) for x in inputs)
        self.padded_tokens += padded
        return [self.output(x) for x in inputs]


def next_token(sequence: list) -> int:
    return (sum(sequence) + len(sequence)) % 50


# --------------------------------------------------------------------------- one run


@dataclass
class Result:
    server: str
    workload: str
    load: float
    rate: float  # requests per second offered
    done: int
    failed: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    busy: float = 0.0
    calls: int = 0
    efficiency: float = 1.0

    @property
    def throughput(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def utilization(self) -> float:
        return self.busy / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def poisson_run(submit, rate: float, duration: float, make_job, seed: int) -> tuple[list[float], int, float]:
    """Callers arriving at ``rate`` per second for ``duration`` s; (latencies, failures, wall time)."""
    rng = random.Random(seed)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    threads = []

    def caller(job) -> None:
        start = time.perf_counter()
        try:
            submit(job)
        except Exception:  # noqa: BLE001 - counted, not raised
            with lock:
                failures[0] += 1
            return
        with lock:
            latencies.append(time.perf_counter() - start)

    begin = time.perf_counter()
    at = 0.0
    while at < duration:
        at += rng.expovariate(rate)
        time.sleep(max(0.0, begin + at - time.perf_counter()))
        thread = threading.Thread(target=caller, args=(make_job(rng),), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(60)
    return latencies, failures[0], time.perf_counter() - begin


def bimodal_input(rng: random.Random) -> list[int]:
    """Chat-sized (4-16 tokens) four times out of five, else document-sized (96-128)."""
    length = rng.randint(4, 16) if rng.random() < 0.8 else rng.randint(96, 128)
    return [1] * length


def generation_job(rng: random.Random) -> tuple[list[int], int]:
    """A prompt of 8-32 tokens; 4-16 new tokens four times out of five, else 64-128."""
    prompt = [rng.randint(1, 9) for _ in range(rng.randint(8, 32))]
    count = rng.randint(4, 16) if rng.random() < 0.8 else rng.randint(64, 128)
    return prompt, count


# --------------------------------------------------------------------------- the servers


def infer_servers(classes: dict[int, type]) -> dict[str, callable]:
    """Name -> a function making (batcher, model) for the infer workload."""

    def gpu() -> FakeGPU:
        return FakeGPU(launch=0.004, per_token=0.00004)

    return {
        "one request per call (stage 1, max_batch_size=1)": lambda: _pair(classes[1], gpu(), max_batch_size=1),
        "dynamic batching (stage 2, window 5 ms, 32 per call)": lambda: _pair(classes[2], gpu(), max_batch_size=32, max_wait=0.005),
        "token budget + bucketing (stage 3, 1024 tokens)": lambda: _pair(classes[3], gpu(), max_batch_size=32, max_wait=0.005, max_tokens=1024),
    }


def generation_servers(classes: dict[int, type]) -> dict[str, callable]:
    stage4 = classes[4]

    class StaticBatcher(stage4):
        """Static batching: a batch of sequences runs until its longest is done; only then new ones join."""

        def _assemble(self):
            if self._running:
                return list(self._running)
            return super()._assemble()

    def gpu() -> FakeGPU:
        return FakeGPU(launch=0.002, per_token=0.00001, output=next_token)

    return {
        "static batching (16 per batch)": lambda: _pair(StaticBatcher, gpu(), max_batch_size=16),
        "continuous batching (stage 4, 16 per call)": lambda: _pair(stage4, gpu(), max_batch_size=16),
    }


def _pair(cls: type, model: FakeGPU, **options):
    return cls(model, **options), model


def measure(name: str, workload: str, make, rate: float, load: float, duration: float, seed: int) -> Result:
    batcher, model = make()
    if workload == "infer":
        latencies, failed, wall = poisson_run(batcher.infer, rate, duration, bimodal_input, seed)
    else:
        latencies, failed, wall = poisson_run(lambda job: batcher.generate(*job), rate, duration, generation_job, seed)
    batcher.close()
    efficiency = model.real_tokens / model.padded_tokens if model.padded_tokens else 1.0
    return Result(name, workload, load, rate, len(latencies), failed, wall, latencies, model.busy, model.calls, efficiency)


# --------------------------------------------------------------------------- the step workload


def step_count(stage4: type) -> int:
    """Model calls the stage 4 reference takes for the contract's step workload (after the plug)."""
    hold = threading.Event()
    calls: list[int] = []

    def model(inputs: list) -> list:
        calls.append(len(inputs))
        if len(calls) == 1:
            hold.wait(5)
        return [next_token(x) for x in inputs]

    batcher = stage4(model, max_batch_size=4)
    plug = threading.Thread(target=batcher.generate, args=([0], 1), daemon=True)
    plug.start()
    while not calls:
        time.sleep(0.001)
    threads = []
    for i in range(16):
        before = batcher.pending
        thread = threading.Thread(target=batcher.generate, args=([100 + i], [32, 2, 2, 2][i % 4]), daemon=True)
        thread.start()
        threads.append(thread)
        while batcher.pending == before:
            time.sleep(0.001)
    hold.set()
    for thread in threads + [plug]:
        thread.join(10)
    batcher.close()
    return len(calls) - 1


# --------------------------------------------------------------------------- report


def run(quick: bool) -> tuple[list[Result], int]:
    classes = reference_classes(KATA)
    duration = 1.0 if quick else 3.0
    results = []
    for workload, servers, target in (
        ("infer", infer_servers(classes), 200.0),
        ("generate", generation_servers(classes), 24.0),
    ):
        for load in LOADS:
            for name, make in servers.items():
                result = measure(name, workload, make, target * load, load, duration, seed=int(load * 100))
                results.append(result)
                print(_row(result), flush=True)
    return results, step_count(classes[4])


HEADER = (
    "| workload | load | server | offered (req/s) | throughput (req/s) | model utilization "
    "| padding efficiency | P50 latency | P99 latency |\n"
    "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def _row(r: Result) -> str:
    return (
        f"| {r.workload} | {r.load:.0%} | {r.server} | {r.rate:.0f} | {r.throughput:.0f} | "
        f"{r.utilization:.0%} | {r.efficiency:.2f} | {r.percentile(50) * 1000:.0f} ms | "
        f"{r.percentile(99) * 1000:.0f} ms |"
    )


def plot(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, workload in zip(axes, ("infer", "generate")):
        servers = sorted({r.server for r in results if r.workload == workload}, key=lambda s: s)
        for server in servers:
            rows = [r for r in results if r.workload == workload and r.server == server]
            loads = [r.load * 100 for r in rows]
            line = ax.plot(loads, [r.percentile(50) * 1000 for r in rows], marker="o", label=f"{server} P50")[0]
            ax.plot(loads, [r.percentile(99) * 1000 for r in rows], marker="x", linestyle="--", color=line.get_color(), label=f"{server} P99")
        ax.set_yscale("log")
        ax.set_xlabel("offered load (% of target)")
        ax.set_ylabel("latency (ms, log scale)")
        ax.set_title(f"{workload}: latency under Poisson arrivals")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_docs(results: list[Result], steps: int) -> None:
    table = "\n".join([HEADER] + [_row(r) for r in results])
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    begin, end = "<!-- results: begin -->", "<!-- results: end -->"
    block = (
        f"{begin}\n{table}\n\nStep workload (contract, stage 4): the stage 4 reference took **{steps}** model "
        f"calls; the contract's bound is 70 (continuous: 44, static: 128).\n{end}"
    )
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text += "\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")
    plot(results, PLOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inference_batcher", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 s per measurement instead of 3 s")
    parser.add_argument("--write-docs", action="store_true", help="rewrite docs/inference_batcher.md's results and the plot")
    args = parser.parse_args(argv)
    print(HEADER)
    results, steps = run(args.quick)
    print(f"\nstep workload: {steps} model calls (bound 70; continuous 44, static 128)")
    if args.write_docs:
        write_docs(results, steps)
        print(f"wrote {DOCS.relative_to(REPO)} and {PLOT.relative_to(REPO)}")
    return 0 if steps <= 70 else 1


if __name__ == "__main__":
    raise SystemExit(main())
