"""Watch mode: rerun the current stage whenever the solution changes.

One event loop and one ``match`` (as rustlings' ``src/watch.rs``): a file
watcher thread (watchfiles) and a key reader thread put events on one queue;
the loop dispatches each to the same functions the plain commands use
(:func:`runs.run_stage`, :func:`hints.next_hint`, :func:`tasks.task`) and
redraws. Ctrl-C or ``q`` ends it cleanly, restoring the terminal.
"""

from __future__ import annotations

import enum
import os
import queue
import select
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import watchfiles
from rich.console import Console, Group, RenderableType
from rich.text import Text

from dojo.catalog import Kata
from dojo.learner import hints, interview, runs, state, tasks, views
from dojo.learner.workspace import OK, Problem, Workspace
from dojo.live import LINE as LIVE

KEYS = "Keys: [h] hint  [t] task text  [r] rerun  [q] quit  (Ctrl-C also quits)"
DEBOUNCE_ENV = "DOJO_WATCH_DEBOUNCE_MS"
QUIT_KEYS = ("q", "Q", "\x04")  # \x04: Ctrl-D


class Outcome(enum.Enum):
    CONTINUE = "continue"
    QUIT = "quit"


@dataclass(frozen=True)
class FilesChanged:
    paths: tuple[str, ...]


@dataclass(frozen=True)
class KeyPressed:
    key: str


def _watch_files(folder: Path, events: queue.Queue, stop: threading.Event) -> None:
    debounce = int(os.environ.get(DEBOUNCE_ENV, "300"))
    try:
        for changes in watchfiles.watch(
            folder,
            stop_event=stop,
            debounce=debounce,
            step=50,
            watch_filter=watchfiles.PythonFilter(),
            raise_interrupt=False,
        ):
            events.put(FilesChanged(tuple(sorted(path for _, path in changes))))
    except Exception as exc:  # noqa: BLE001 - the watcher dying must not hang the loop
        events.put(KeyPressed(f"error:{exc}"))


def _read_keys(fd: int, events: queue.Queue, stop: threading.Event) -> None:
    while not stop.is_set():
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        data = os.read(fd, 1)
        if not data:  # end of input: nothing more to read
            return
        events.put(KeyPressed(data.decode(errors="replace")))


@contextmanager
def _keys(events: queue.Queue, stop: threading.Event):
    """Read single key presses from a terminal (cbreak: Ctrl-C still interrupts)."""
    fd = sys.stdin.fileno() if sys.stdin is not None else -1
    if fd < 0 or not os.isatty(fd):
        yield False
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        threading.Thread(target=_read_keys, args=(fd, events, stop), name="dojo-keys", daemon=True).start()
        yield True
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class Watch:
    """The state of one watch session and the screen it draws."""

    def __init__(self, ws: Workspace, kata: Kata, out: Console, events: queue.Queue):
        self.ws, self.kata, self.out = ws, kata, out
        self.events = events  # file changes and keys; a run going on looks at them too
        self.changed = False  # a file changed while a run was going on
        self.count = 0
        self.extra: list[RenderableType] = []
        self.last: RenderableType | None = None
        self.exit_code = OK

    def run_current(self) -> None:
        """Run the current stage (and those before it), then redraw."""
        while True:
            stage = interview.unlocked_stage(self.ws, self.kata)
            self.out.clear()
            self.out.print(Text(f"Running stages 1 to {stage} of {self.kata.name}…", style="dim"))
            self.changed = False
            try:
                outcome = runs.run_stage(
                    self.ws, self.kata, stage, on_line=self.live, cancel=self.interrupted
                )
                break
            except runs.Cancelled:
                if not self.changed:
                    return  # q was pressed: the loop quits next
                # A newer save: this run's result would be stale, so run the new code at once.
        notes = interview.observe(self.ws)
        self.count += 1
        self.exit_code = outcome.exit_code
        progress = state.kata_progress(self.ws, self.kata)
        if not progress.ran or outcome.results.stages == {}:
            progress = state.progress_of(self.kata, [(state.now(), outcome.results)])
        self.last = views.run_summary(outcome, progress)
        self.extra = [views.note_view(n) for n in notes]
        self.draw()

    def interrupted(self) -> bool:
        """Whether the run going on should stop: a file changed (its result would be
        stale) or a quit key was pressed (left in the queue for the loop to act on)."""
        kept, stop = [], False
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                break
            if isinstance(event, FilesChanged):
                self.changed = stop = True
                continue
            kept.append(event)
            stop = stop or (isinstance(event, KeyPressed) and event.key in QUIT_KEYS)
        for event in kept:
            self.events.put(event)
        return stop

    def live(self, line: str) -> None:
        """A failure the run reported as it happened: shown at once, before the run ends."""
        if LIVE.match(line):
            self.out.print(Text(line, style="red"))

    def show(self, renderable: RenderableType) -> None:
        self.extra = [renderable]
        self.draw()

    def draw(self) -> None:
        self.out.clear()
        header = Text(
            f"dojo watch: {self.kata.name} ({self.kata.title}), run {self.count} at "
            f"{state.now():%H:%M:%S}; watching {self.ws.show(self.ws.solutions() / self.kata.name)}",
            style="bold",
        )
        parts: list[RenderableType] = [header]
        if self.last is not None:
            parts.append(self.last)
        parts.extend(self.extra)
        parts.append(Text(KEYS, style="dim"))
        self.out.print(Group(*parts))

    def handle(self, event) -> Outcome:
        """The one dispatch: an event in, what the loop does next out."""
        match event:
            case FilesChanged():
                self.run_current()
            case KeyPressed(key=key) if key in QUIT_KEYS:
                return Outcome.QUIT
            case KeyPressed(key="r" | "R" | "n"):
                self.run_current()
            case KeyPressed(key="h" | "H"):
                try:
                    self.show(views.hint_view(hints.next_hint(self.ws, self.kata)))
                except Problem as exc:
                    self.show(Text(str(exc), style="yellow"))
            case KeyPressed(key="t" | "T"):
                try:
                    self.show(views.task_view(tasks.task(self.ws, self.kata), self.out.is_terminal))
                except Problem as exc:
                    self.show(Text(str(exc), style="yellow"))
            case KeyPressed(key=key) if key.startswith("error:"):
                self.show(Text(f"the file watcher stopped: {key[6:]}", style="red"))
            case _:
                pass
        return Outcome.CONTINUE


def watch(ws: Workspace, kata: Kata, out: Console) -> int:
    """Watch ``katas/<kata>/`` until ``q`` or Ctrl-C; the exit code of the last run."""
    folder = ws.solutions() / kata.name
    if not folder.is_dir():
        raise Problem(f"{ws.show(folder)}: no such folder")
    if threading.current_thread() is threading.main_thread():
        # The keys line promises "Ctrl-C also quits": keep it even when the shell started
        # this process with SIGINT ignored (a background job of a non-interactive shell is).
        signal.signal(signal.SIGINT, signal.default_int_handler)
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    session = Watch(ws, kata, out, events)
    watcher = threading.Thread(
        target=_watch_files, args=(folder, events, stop), name="dojo-watch", daemon=True
    )
    try:
        with _keys(events, stop):
            watcher.start()
            session.run_current()
            while True:
                try:
                    event = events.get(timeout=0.2)
                except queue.Empty:
                    continue
                if isinstance(event, FilesChanged):  # one rerun for a burst of saves
                    while True:
                        try:
                            extra = events.get_nowait()
                        except queue.Empty:
                            break
                        if not isinstance(extra, FilesChanged):
                            events.put(extra)
                            break
                if session.handle(event) is Outcome.QUIT:
                    break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        watcher.join(timeout=2)
    out.print(Text(f"dojo watch: stopped after {session.count} run(s)."))
    return session.exit_code
