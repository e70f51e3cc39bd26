"""The lru_cache suites' source scans, checked directly on small sources.

Stage 2 forbids ready-made ordered structures and stage 3 code-running
loaders; both are found by scanning the solution's folder
(``stages.support.lru_cache.scan``). Every spelling of a forbidden import
must be found, and plain building blocks must not be. (The staged runs of
the references and the stub are in ``tests/test_references.py``.)
"""

from __future__ import annotations

import textwrap

import pytest

from stages.support.lru_cache import (
    CODE_RUNNING_MODULES,
    CODE_RUNNING_NAMES,
    READY_MADE_MODULES,
    READY_MADE_NAMES,
    scan,
)

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
