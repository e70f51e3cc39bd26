"""The lru_cache suites against the references and the stub, run as a learner runs them.

Each reference stage N passes stages 1..N and fails stage N+1 (so each stage
adds something the previous reference lacks); the stub fails stage 1 with
one readable failure per test and locks the later stages. The runs are
subprocesses (``tests.support.run_stages``), started together because each
costs seconds. The import scan of stage 2 is also checked directly, on
small sources.
"""

from __future__ import annotations

import re
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from stages.support.lru_cache import (
    CODE_RUNNING_MODULES,
    CODE_RUNNING_NAMES,
    READY_MADE_MODULES,
    READY_MADE_NAMES,
    scan,
)
from tests.support import REPO, StageRun, run_stages

KATA = "lru_cache"
STAGES = 4
# The tests below wait for whole staged runs that share the machine's cores; each
# run has its own time limit, so this only lifts pytest's 60 s per test.
WAIT = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, StageRun]:
    """Every run this module checks, started at once: name -> its outcome."""
    plans = {
        f"reference/stage{n}": (n + 1, REPO / "reference" / f"stage{n}") for n in range(1, STAGES)
    }
    plans["reference"] = (STAGES, "reference")
    plans["stub"] = (STAGES, REPO / "katas")

    def start(name: str) -> StageRun:
        stage, solution = plans[name]
        folder = tmp_path_factory.mktemp(name.replace("/", "-"))
        return run_stages(KATA, stage, solution, folder)

    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(start, name) for name in plans}
        return {name: future.result() for name, future in futures.items()}


@WAIT
@pytest.mark.parametrize("n", range(1, STAGES))
def test_each_reference_passes_its_stages_and_fails_the_next(runs, n):
    run = runs[f"reference/stage{n}"]
    for stage in range(1, n + 1):
        assert run.status(KATA, stage) == "passed", (
            f"reference/stage{n} should pass stage {stage}; it is {run.status(KATA, stage)!r}:\n"
            f"{run.explain()}"
        )
    assert run.status(KATA, n + 1) == "failed", (
        f"reference/stage{n} should fail stage {n + 1}, which adds what it lacks; it is "
        f"{run.status(KATA, n + 1)!r}:\n{run.explain()}"
    )


@WAIT
def test_the_stage1_reference_fails_stage2_for_its_ordered_dict(runs):
    failures = runs["reference/stage1"].stages(KATA)[2]["failures"]
    assert any("collections.OrderedDict" in f["message"] for f in failures), failures


@WAIT
def test_the_reference_option_passes_every_stage(runs):
    run = runs["reference"]
    statuses = {stage: run.status(KATA, stage) for stage in range(1, STAGES + 1)}
    assert set(statuses.values()) == {"passed"}, f"{statuses}:\n{run.explain()}"
    assert run.returncode == 0, run.explain()


@WAIT
def test_the_stub_fails_stage1_readably_and_locks_the_rest(runs):
    run = runs["stub"]
    stage1 = run.stages(KATA)[1]
    assert stage1["status"] == "failed" and stage1["failed"] == stage1["total"], run.explain()
    for failure in stage1["failures"]:
        assert re.fullmatch(
            r"lru_cache: implement \w+\(\) \(the method still raises NotImplementedError: "
            r"write it in katas/lru_cache\)",
            failure["message"],
        ), failure
    for stage in range(2, STAGES + 1):
        assert run.status(KATA, stage) == "locked", run.explain()
    assert " error" not in run.output.splitlines()[-1], run.explain()


# --------------------------------------------------------------------------- the import scan

FORBIDDEN = {
    "from collections import OrderedDict": "collections.OrderedDict",
    "from collections import OrderedDict as OD": "collections.OrderedDict",
    "import collections\nx = collections.OrderedDict()": "collections.OrderedDict",
    "import collections as c\nx = getattr(c, 'OrderedDict')": "collections.OrderedDict",
    "x = __import__('collections').OrderedDict": "collections.OrderedDict",
    "import importlib\nx = importlib.import_module('functools').lru_cache": "functools.lru_cache",
    "from importlib import import_module as im\nx = im('collections').OrderedDict": "collections.OrderedDict",
    "import sys\nx = sys.modules['collections'].OrderedDict": "collections.OrderedDict",
    "exec('from collections import OrderedDict')": "collections.OrderedDict",
    "from collections import *": "collections.OrderedDict",
    "import typing\nx: typing.OrderedDict": "typing.OrderedDict",
    "from functools import lru_cache": "functools.lru_cache",
    "import functools\n@functools.cache\ndef f(): pass": "functools.cache",
    "import cachetools": "cachetools",
    "from cachetools import LRUCache": "cachetools",
    "import lru": "lru",
    "from boltons.cacheutils import LRU": "boltons",
    "import pylru": "pylru",
    "def f():\n    import sortedcontainers": "sortedcontainers",
    "x = __import__('cachetools')": "cachetools",
    "from .pylru import lrucache": "pylru",
    "from . import cachetools": "cachetools",
    "from .vendor.pylru import lrucache": "pylru",
}
ALLOWED = [
    "import collections.abc\nfrom collections import deque, defaultdict\nx = collections.abc.Mapping",
    "import functools\nx = functools.wraps\nfrom functools import partial",
    "cache = {}\nself_cache = cache.get\nclass OrderedDict: pass\nx = OrderedDict()",
    "from . import helpers\nfrom .node import Node",
    "import typing\nx: typing.Dict",
]


@pytest.mark.parametrize("source", FORBIDDEN, ids=range(len(FORBIDDEN)))
def test_the_import_scan_finds_every_spelling_of_a_ready_made_structure(tmp_path, source):
    (tmp_path / "lru_cache.py").write_text(source + "\n")
    findings, unreadable = scan(tmp_path, READY_MADE_MODULES, READY_MADE_NAMES)
    assert not unreadable
    assert findings and FORBIDDEN[source] in str(findings[0]), (source, findings)


@pytest.mark.parametrize("source", ALLOWED, ids=range(len(ALLOWED)))
def test_the_import_scan_allows_plain_building_blocks(tmp_path, source):
    (tmp_path / "lru_cache.py").write_text(source + "\n")
    assert scan(tmp_path, READY_MADE_MODULES, READY_MADE_NAMES) == ([], [])


def test_the_code_running_scan_finds_pickle_marshal_and_eval(tmp_path):
    (tmp_path / "a.py").write_text("import pickle\n")
    (tmp_path / "b.py").write_text("from marshal import loads\n")
    (tmp_path / "c.py").write_text("x = eval('1')\n")
    (tmp_path / "d.py").write_text(textwrap.dedent("import json, hashlib, struct\n"))
    findings, _ = scan(tmp_path, CODE_RUNNING_MODULES, CODE_RUNNING_NAMES)
    assert [f.path.name for f in findings] == ["a.py", "b.py", "c.py"], findings


def test_a_library_copied_into_the_folder_is_found_by_its_file_name(tmp_path):
    (tmp_path / "lru_cache.py").write_text("from .helpers import make\n")
    (tmp_path / "pylru.py").write_text("class lrucache: pass\n")
    findings, _ = scan(tmp_path, READY_MADE_MODULES, READY_MADE_NAMES)
    assert [f.path.name for f in findings] == ["pylru.py"], findings


CODE_RUNNING = {
    "import yaml\nx = yaml.load(data, Loader=yaml.Loader)": "yaml.Loader",
    "import yaml\nx = yaml.load(data, yaml.FullLoader)": "yaml.FullLoader",
    "import yaml\nx = yaml.unsafe_load(data)": "yaml.unsafe_load",
    "import yaml\nx = yaml.load(data)": "yaml.load()",
    "import builtins\nx = getattr(builtins, tag)(body)": "getattr(builtins",
    "from pydoc import locate\nx = locate(name)": "pydoc.locate",
}
SAFE_LOADING = [
    "import yaml\nx = yaml.safe_load(data)",
    "import yaml\nx = yaml.load(data, Loader=yaml.SafeLoader)",
    "import json, ast\nx = json.loads(data)\ny = ast.literal_eval(text)",
    "import builtins\nx = getattr(builtins, 'int')",
]


@pytest.mark.parametrize("source", CODE_RUNNING, ids=range(len(CODE_RUNNING)))
def test_the_code_running_scan_finds_object_building_loaders(tmp_path, source):
    (tmp_path / "lru_cache.py").write_text(source + "\n")
    findings, _ = scan(tmp_path, CODE_RUNNING_MODULES, CODE_RUNNING_NAMES)
    assert findings and CODE_RUNNING[source] in str(findings[0]), (source, findings)


@pytest.mark.parametrize("source", SAFE_LOADING, ids=range(len(SAFE_LOADING)))
def test_the_code_running_scan_allows_plain_data_loaders(tmp_path, source):
    (tmp_path / "lru_cache.py").write_text(source + "\n")
    assert scan(tmp_path, CODE_RUNNING_MODULES, CODE_RUNNING_NAMES) == ([], [])
