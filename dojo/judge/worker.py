"""The judge's worker: the learner's class, served over stdin/stdout as plain values.

Run as ``python -m dojo.judge.worker SOLUTION_ROOT KATA MODULE CLASS``. This
process is untrusted from the moment the solution is imported: nothing it
says is believed by the judge beyond the answers it gives, which the judge
checks against its own model. Before the import, the protocol's ends are
moved to private descriptors and fds 0, 1 and 2 point to ``/dev/null``, so
the solution's prints never reach (or corrupt) the protocol and never fail
for a full disk or a file-size limit.

Requests, one JSON line each, with an ``id`` echoed in the reply:

- ``{"op": "script", "calls": [...]}`` → ``{"results": [...]}``: each call
  performed in order (``dispatch``);
- ``{"op": "loop", "o": name, "calls": [[method, [args]], ...], "start": s,
  "n": n, "collect": bool}`` → ``{"results": [...]}`` or ``{"errors": k}``:
  the calls for i in ``range(s, s + n)`` with the collector off; with
  ``"prepare": name`` they are only bound (→ ``{"prepared": count}``), and
  ``{"op": "run", "name": name, "collect": bool, "keep": bool}`` runs them
  (forgetting them unless ``keep``): the judge times that round trip with
  its own clock;
- ``{"op": "threads", "scripts": [[...], ...], "switch": p, "timeout": t}``
  → ``{"results": [[...], ...]}`` or ``{"deadlock": [thread indexes]}``:
  one thread per script, started together, switching threads at random
  lines of the solution's own code with probability ``p``;
- ``{"op": "counters"}`` → ``{"counters": {...}}``;
- ``{"op": "define", "module": name, "source": text}`` → ``{"defined":
  [names]}``: one module of the kata's worker-side helpers (``Judge.worker``,
  source text sent by the judge), run as module ``name`` (later ones may
  import it) that sees the loaded class as ``solution_class``;
- ``{"op": "call", "name": helper, "args": [...]}`` → ``{"value": ...}``: a
  helper called with plain JSON arguments, its plain JSON answer sent back
  (helpers catch the solution's exceptions and answer with them).

A reply is ``{"id": n, ...}``, or ``{"id": n, "error": "..."}`` for a
request the worker could not perform.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
import types
from pathlib import Path

from dojo.catalog import Kata
from dojo.concurrency import set_trace, start_together
from dojo.judge.dispatch import Env, exception_message, exception_names
from dojo.judge.wire import WireError, dump_line
from dojo.loader import load_solution


def _private_protocol() -> tuple:
    """The protocol on private fds; 0, 1 and 2 become /dev/null for the solution."""
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1) if os.environ.get("DOJO_JUDGE_DEBUG") else (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    return requests, replies


class Worker:
    def __init__(self, cls: type, folder: Path) -> None:
        self.env = Env(cls, lenient=True)
        self.folder = str(folder.resolve())
        self.prepared: dict[str, list] = {}
        self.helpers: dict[str, object] = {}

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        if op == "script":
            return {"results": self.env.script(list(request.get("calls", [])))}
        if op == "loop":
            return self.loop(request)
        if op == "run":
            return self.run(request)
        if op == "threads":
            return self.threads(request)
        if op == "counters":
            return {"counters": dict(self.env.counters)}
        if op == "define":
            return self.define(str(request.get("module", "")), str(request.get("source", "")))
        if op == "call":
            return self.call(request)
        raise WireError(f"unknown op {op!r}")

    def define(self, name: str, source: str) -> dict:
        """Run one module of the kata's worker-side helpers; its public functions become helpers."""
        if not name.isidentifier() or name in sys.modules:
            raise WireError(f"{name!r} is not a new module name")
        module = types.ModuleType(name)
        module.solution_class = self.env.cls  # type: ignore[attr-defined]
        sys.modules[name] = module  # dataclasses look their module up; later helpers import it
        exec(compile(source, f"<the judge's {name}>", "exec"), module.__dict__)
        defined = {
            name: value
            for name, value in vars(module).items()
            if callable(value)
            and not name.startswith("_")
            and getattr(value, "__module__", "") == module.__name__  # its own, not imported ones
        }
        self.helpers.update(defined)
        return {"defined": sorted(defined)}

    def call(self, request: dict) -> dict:
        helper = self.helpers.get(str(request.get("name")))
        if helper is None:
            raise WireError(f"no helper {request.get('name')!r}")
        try:
            return {"value": helper(*list(request.get("args", [])))}  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - a helper that breaks is a refused request
            raise WireError(
                f"the helper {request.get('name')} raised {type(exc).__name__}: {exception_message(exc)}"
            ) from None

    def loop(self, request: dict) -> dict:
        bound = self.env.prepare_loop(request)
        name = request.get("prepare")
        if isinstance(name, str):  # run later by "run", so only the calls are timed
            self.prepared[name] = bound
            return {"prepared": len(bound)}
        return self.env.run_loop(bound, bool(request.get("collect")))

    def run(self, request: dict) -> dict:
        name = str(request.get("name"))
        # "keep": the calls stay bound afterwards, so freeing them does not hide what the run kept.
        bound = self.prepared.get(name) if request.get("keep") else self.prepared.pop(name, None)
        if bound is None:
            raise WireError(f"no prepared loop {request.get('name')!r}")
        return self.env.run_loop(bound, bool(request.get("collect")))

    def threads(self, request: dict) -> dict:
        scripts = list(request.get("scripts", []))
        switch = float(request.get("switch", 0.0))
        timeout = float(request.get("timeout", 10.0))
        barrier = threading.Barrier(len(scripts))
        results: list = [None] * len(scripts)
        awake: list[object] = []
        folder = self.folder

        def run(index: int, calls: list) -> None:
            if switch > 0:
                chance = random.Random(index).random

                def local(frame, event, arg):
                    if event == "line" and chance() < switch:
                        time.sleep(0)
                    return local

                def trace(frame, event, arg):
                    # Only the solution's own lines: forcing switches there is what makes a race show.
                    return local if frame.f_code.co_filename.startswith(folder) else None

                set_trace(trace)
            try:
                start_together(barrier, awake, timeout)
                results[index] = self.env.script(calls)
            except BaseException as exc:  # noqa: BLE001 - reported, never fatal to the worker
                results[index] = [["x", exception_names(exc)]]
            finally:
                set_trace(None)

        threads = [
            threading.Thread(target=run, args=(i, s), daemon=True, name=f"judge-{i}")
            for i, s in enumerate(scripts)
        ]
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + timeout
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
        finally:
            sys.setswitchinterval(interval)
        stuck = [i for i, t in enumerate(threads) if t.is_alive()]
        if stuck:
            return {"deadlock": stuck}
        return {"results": results}


def _send(replies, message: dict) -> None:
    data = dump_line(message)
    while data:  # a raw write to a pipe may take only part of a long line
        data = data[replies.write(data) :]


def main(argv: list[str]) -> int:
    requests, replies = _private_protocol()
    root, name, module, class_name = argv
    kata = Kata(
        name=name, title=name, module=module, class_name=class_name, stage_titles=(), folder=Path(root) / name
    )
    loaded = load_solution(kata, Path(root))
    if loaded.cls is None:
        _send(replies, {"id": 0, "problem": str(loaded.problem)[:500]})
        return 1
    worker = Worker(loaded.cls, loaded.folder)
    _send(replies, {"id": 0, "ready": True})
    buffer = b""
    while True:
        chunk = requests.read(1 << 16)
        if not chunk:
            return 0
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            try:
                reply = worker.handle(request)
            except (WireError, ValueError, TypeError, KeyError, IndexError) as exc:
                reply = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            try:
                _send(replies, {"id": request.get("id"), **reply})
            except (TypeError, ValueError) as exc:  # a helper's answer that is not plain JSON
                _send(replies, {"id": request.get("id"), "error": f"an answer that is not JSON: {exc}"[:500]})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
