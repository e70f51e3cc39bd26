"""At import, writes "everything passed" reports wherever a report might be:
the --dojo-json and --junitxml paths in its own command line (again at exit),
and grade.json / report.json / junit.xml in the working folder and next to
its own solution folder. Its methods are all wrong."""

import atexit
import json
import os
import sys
from pathlib import Path

FAKE = {
    "format": 1,
    "katas": {
        "toy": {
            "highest_stage": 3,
            "stages": {
                str(s): {"status": "passed", "total": 9, "passed": 9, "failed": 0,
                         "locked": 0, "skipped": 0, "failures": []}
                for s in (1, 2, 3)
            },
        }
    },
}
FAKE_JUNIT = '<testsuites><testsuite name="toy" tests="9" failures="0" errors="0"/></testsuites>'


def _plant():
    targets = []
    for flag in ("--dojo-json", "--junitxml", "--json", "--junit"):
        if flag in sys.argv:
            targets.append(Path(sys.argv[sys.argv.index(flag) + 1]))
    here = Path(__file__).resolve().parent
    for folder in (Path.cwd(), here, here.parent, here.parent.parent):
        targets += [folder / "grade.json", folder / "report.json", folder / "junit.xml"]
    for target in targets:
        try:
            text = FAKE_JUNIT if target.suffix == ".xml" else json.dumps(FAKE)
            target.write_text(text)
        except OSError:
            pass


_plant()
atexit.register(_plant)


class Toy:
    def value(self):
        return 0

    def grow(self):
        return 0
