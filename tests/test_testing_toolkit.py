"""The toolkit's typed equality, mismatch messages, recorded calls, model runner and source scan, on their own.

The suites lean on these for every verdict: ``same`` decides whether an answer
is right, ``mismatch`` tells the learner where it is wrong, ``scan_source``
finds a forbidden import however it is spelled. Each rule is pinned here, apart
from any kata.
"""

from __future__ import annotations

import importlib
import pickle
import sys
import time
from pathlib import Path

import pytest

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from dojo import shrinking
from dojo.complexity import forget_prepared
from dojo.live import HARNESS_EXCEPTION
from dojo.watchdog import Watchdog

from dojo.testing import (
    CallLog,
    Finding,
    ModelMachine,
    Prepared,
    ScanRules,
    code,
    drawn,
    first_difference,
    forbidden_at_run_time,
    forbidden_by,
    mismatch,
    returns,
    run_machine,
    same,
    scan_source,
    short,
    source,
)

# --------------------------------------------------------------------------- same


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        (1, True),
        (True, 1),
        (1.0, 1),
        (1, 1.0),
        ((1, 2), [1, 2]),
        ([1, 2], (1, 2)),
        ([1, True], [1, 1]),
        ({"a": 1}, {"a": True}),
        ({"a": [1, (2,)]}, {"a": [1, [2]]}),
        ([1, 2], [1, 2, 3]),
        (0.0, -0.0),
        (-0.0, 0.0),
        (0.1 + 0.2, 0.3),
        (None, 0),
        ("1", 1),
    ],
)
def test_same_tells_apart_values_that_are_equal_but_of_other_types_or_other_floats(got, expected):
    assert not same(got, expected)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -0.0,
        0.1,
        float("nan"),
        float("inf"),
        "",
        [1, [2, (3, "x")]],
        {"a": {"b": [None, 1.5]}},
        (),
    ],
)
def test_same_holds_for_a_value_and_its_copy_nan_and_negative_zero_included(value):
    copy = pickle.loads(pickle.dumps(value))  # new objects: a round trip, as a snapshot's
    assert same(copy, value)


def test_same_compares_the_types_of_dict_keys_too():
    assert not same({1.0: "a"}, {1: "a"})
    assert same({1: "a", "b": 2}, {1: "a", "b": 2})


def test_same_with_a_tolerance_takes_close_floats_for_a_computed_quantity():
    assert same(0.1 + 0.2, 0.3, tolerance=1e-9)
    assert same(2.0000000001, 2.0, tolerance=1e-9)
    assert not same(2.001, 2.0, tolerance=1e-9)
    assert same([0.1 + 0.2], [0.3], tolerance=1e-9)  # inside containers too
    assert same(float("nan"), float("nan"), tolerance=1e-9)


def test_same_with_a_tolerance_still_wants_a_float_where_a_float_is_due():
    assert not same(2, 2.0, tolerance=1e-9)
    assert not same(True, 1.0, tolerance=1e-9)

    class Seconds(float):
        pass

    assert same(Seconds(2.0), 2.0, tolerance=1e-9)  # a float subclass is "a float"
    assert not same(Seconds(2.0), 2.0)  # but not the same type, where types must round-trip


# --------------------------------------------------------------------------- mismatch


def test_mismatch_of_a_plain_wrong_value_says_what_came_back_and_what_was_expected():
    assert mismatch("cache.get(1)", "b", "a") == "cache.get(1) returned 'b'; expected 'a'"


def test_mismatch_names_where_a_nested_value_first_differs():
    text = mismatch("cache.items()", [(1, "a"), (2, "x")], [(1, "a"), (2, "b")])
    assert text == (
        "cache.items() returned 'x' where 'b' was expected (at [1][1]); "
        "it returned [(1, 'a'), (2, 'x')]; expected [(1, 'a'), (2, 'b')]"
    )


def test_mismatch_names_the_types_when_the_values_look_equal():
    text = mismatch("cache.get('k')", [1, 1], [1, True])
    assert text.startswith("cache.get('k') returned 1 (int) where True (bool) was expected (at [1]);")


def test_first_difference_is_none_for_the_same_values_and_the_path_otherwise():
    assert first_difference({"a": [1]}, {"a": [1]}) == (None, None, None)
    assert first_difference({"a": [1, 2]}, {"a": [1, 3]}) == ("['a'][1]", 2, 3)
    assert first_difference([1], (1,)) == ("", [1], (1,))


def test_short_cuts_long_reprs_and_shows_paths_as_code():
    assert short("x" * 500, 20) == repr("x" * 500)[:15] + " ...)"
    assert short(b"\x00" * 100).startswith("100 bytes (")
    assert short(Path("a/b")) == "Path('a/b')"


# --------------------------------------------------------------------------- scan_source

MODULES = {"cachetools": "cachetools (a ready-made cache)", "pickle": "pickle"}
NAMES = {"collections.OrderedDict": "collections.OrderedDict", "builtins.eval": "eval()"}


def found(
    tmp_path: Path, source: str, rules: ScanRules | None = None, name: str = "solution.py"
) -> list[str]:
    """What ``scan_source`` finds in a folder holding ``source`` alone, as ``line N: uses ...``."""
    (tmp_path / name).write_text(source, encoding="utf-8")
    findings, unreadable = scan_source(tmp_path, MODULES, NAMES, rules or ScanRules())
    assert not unreadable
    return [f"line {f.line}: {f.what}" for f in findings]


@pytest.mark.parametrize(
    "source",
    [
        "import cachetools",
        "from cachetools import LRUCache",
        "import collections as c\nc.OrderedDict()",
        "from collections import OrderedDict as OD",
        "import importlib\nimportlib.import_module('cachetools')",
        "getattr(__import__('collections'), 'OrderedDict')",
        "import sys\nsys.modules['collections'].OrderedDict",
        "exec('from collections import OrderedDict')",
    ],
)
def test_scan_source_finds_a_forbidden_use_however_it_is_spelled(tmp_path, source):
    assert found(tmp_path, source), f"not found in: {source!r}"


@pytest.mark.parametrize(
    "source", ["import collections\ncollections.deque()", "from functools import reduce", "x = 1"]
)
def test_scan_source_leaves_allowed_code_alone(tmp_path, source):
    assert found(tmp_path, source) == []


def test_a_finding_names_the_file_the_line_and_what_it_uses(tmp_path):
    (tmp_path / "solution.py").write_text("\n\nimport cachetools\n", encoding="utf-8")
    [finding], _ = scan_source(tmp_path, MODULES, NAMES)
    assert finding == Finding(tmp_path / "solution.py", 3, "uses cachetools (a ready-made cache)")
    assert str(finding).endswith("solution.py, line 3: uses cachetools (a ready-made cache)")


def test_star_imports_count_only_from_the_modules_the_rules_name(tmp_path):
    assert found(tmp_path, "from collections import *") == []
    ruled = found(tmp_path, "from collections import *", ScanRules(star_sources=frozenset({"collections"})))
    assert ruled == ["line 1: uses collections.OrderedDict (through from collections import *)"]


def test_a_library_copied_into_the_folder_is_found_unless_it_is_the_solutions_own_module(tmp_path):
    assert found(tmp_path, "x = 1", name="cachetools.py") == [
        "line 1: is a copy of cachetools (a ready-made cache) in the solution's folder"
    ]
    (tmp_path / "cachetools.py").unlink()
    assert found(tmp_path, "x = 1", ScanRules(own_module="cachetools"), name="cachetools.py") == []


def test_unsafe_yaml_loaders_are_found_only_in_a_scan_for_code_from_data(tmp_path):
    source = "import yaml\nyaml.load(data, Loader=yaml.Loader)\nyaml.load(data, Loader=yaml.SafeLoader)"
    assert found(tmp_path, source) == []
    assert found(tmp_path, source, ScanRules(code_from_data=True)) == [
        "line 2: uses yaml.load() with yaml.Loader "
        "(only yaml.safe_load or Loader=yaml.SafeLoader builds plain data)"
    ]


def test_a_file_that_does_not_parse_is_reported_not_raised(tmp_path):
    (tmp_path / "broken.py").write_text("def (:\n", encoding="utf-8")
    findings, unreadable = scan_source(tmp_path, MODULES, NAMES)
    assert findings == []
    assert len(unreadable) == 1 and "SyntaxError" in unreadable[0]


def test_forbidden_by_finds_a_name_or_the_module_it_lies_in():
    assert forbidden_by("collections.OrderedDict", MODULES, NAMES) == "collections.OrderedDict"
    assert forbidden_by("cachetools.func.ttl_cache", MODULES, NAMES) == "cachetools (a ready-made cache)"
    assert forbidden_by("collections.deque", MODULES, NAMES) is None


# --------------------------------------------------------------------------- forbidden_at_run_time


@pytest.fixture
def load(tmp_path, monkeypatch):
    """Import ``source`` as the module ``solution_pkg.<name>`` of a folder under tmp_path."""
    package = tmp_path / "solution_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    def run(name: str, source: str):
        (package / f"{name}.py").write_text(source, encoding="utf-8")
        module = importlib.import_module(f"solution_pkg.{name}")
        monkeypatch.setitem(sys.modules, module.__name__, module)  # dropped after the test
        return module

    yield run
    for name in [n for n in sys.modules if n == "solution_pkg" or n.startswith("solution_pkg.")]:
        del sys.modules[name]


def test_forbidden_at_run_time_finds_a_class_reached_through_a_name_built_at_run_time(tmp_path, load):
    source = (
        "import importlib\nStore = getattr(importlib.import_module('coll' + 'ections'), 'Ordered' + 'Dict')\n"
    )
    module = load("built", source)
    found = forbidden_at_run_time(tmp_path, [module.Store()], {}, {"collections.OrderedDict": "OrderedDict"})
    assert len(found) == 1 and found[0].startswith("OrderedDict, reached at run time (")


def test_forbidden_at_run_time_finds_a_library_copied_into_the_folder_unless_it_is_the_own_module(
    tmp_path, load
):
    load("cachetools", "class LRUCache:\n    pass\n")
    modules = {"cachetools": "cachetools (a ready-made cache)"}
    assert forbidden_at_run_time(tmp_path, [], modules, {}) != []
    assert forbidden_at_run_time(tmp_path, [], modules, {}, own_module="cachetools") == []


def test_forbidden_at_run_time_leaves_allowed_structures_alone(tmp_path, load):
    module = load(
        "plain",
        "from collections import deque\nclass Cache:\n    def __init__(self):\n"
        "        self.order = deque()\n        self.data = {}\n",
    )
    assert (
        forbidden_at_run_time(tmp_path, [module.Cache()], {}, {"collections.OrderedDict": "OrderedDict"})
        == []
    )


# --------------------------------------------------------------------------- recorded calls


def test_code_writes_a_call_that_runs_when_pasted():
    assert code("db.get", "a") == "db.get('a')"
    assert code("db.set", "a", "1", ttl=float("inf")) == "db.set('a', '1', ttl=float('inf'))"
    assert eval(source(float("nan")), {}) != eval(source(float("nan")), {})  # noqa: S307 - it is nan
    assert code("cache.save", Path("/tmp/x")) == "cache.save(Path('/tmp/x'))"
    long_text, long_bytes = "x" * 1000, bytes(range(256))
    assert eval(code("tuple", [long_text, long_bytes]), {}) == (long_text, long_bytes)  # noqa: S307 - never cut


def failure(check) -> str:
    with pytest.raises(AssertionError) as caught:
        check()
    return str(caught.value)


def test_a_failed_expectation_says_the_call_what_came_back_what_was_due_and_the_calls():
    log = CallLog("from katas.k import K", "k = K()")
    got = log.attempt("k.get(1)", lambda: 1)
    message = failure(lambda: log.expect(got, True, "k.get(1)", "get returns True for a key present"))
    assert message.startswith("k.get(1) returned 1 (int) where True (bool) was expected")
    assert ": get returns True for a key present.\n" in message
    assert message.endswith("    from katas.k import K\n    k = K()\n    k.get(1)\n")


def test_an_exception_from_the_solution_is_one_line_naming_the_call():
    log = CallLog()
    message = failure(lambda: log.attempt("k.get(1)", lambda: {}[1]))
    assert message.startswith("k.get(1) raised KeyError: 1; expected no exception")


def test_the_stub_s_not_implemented_error_passes_through_for_the_plugin():
    def stub():
        raise NotImplementedError("implement get()")

    with pytest.raises(NotImplementedError):
        CallLog().attempt("k.get(1)", stub)


def test_raises_wants_the_exception_the_contract_names():
    log = CallLog()
    assert isinstance(log.raises(TypeError, "k.get([])", lambda: hash([]), "keys are hashable"), TypeError)
    assert failure(lambda: log.raises(TypeError, "k.get(1)", lambda: None, "rule")).startswith(
        "k.get(1) returned None; expected it to raise TypeError: rule."
    )
    assert failure(lambda: log.raises((TypeError, ValueError), "k.get(1)", lambda: {}[1], "rule")).startswith(
        "k.get(1) raised KeyError: 1; expected TypeError or ValueError: rule."
    )


def test_returns_makes_the_call_itself_so_an_exception_is_one_line_naming_what_was_due():
    assert returns("k.get('a')", lambda: None, None, "rule") is None
    message = failure(lambda: returns("k.get('a')", lambda: {}["a"], None, "get of a missing key returns None"))
    assert message.startswith("k.get('a') raised KeyError: 'a'; expected None: get of a missing key returns None.")
    assert "Shortest" not in message and "paste" not in message  # no calls were recorded
    logged = failure(lambda: CallLog("k = K()").returned("k.get('a')", lambda: {}["a"], None, "rule"))
    assert logged.startswith("k.get('a') raised KeyError: 'a'; expected None: rule.")
    assert logged.endswith("    k = K()\n    k.get('a')\n")


def test_raises_lets_the_stub_s_not_implemented_error_through_even_where_its_base_is_expected():
    def stub():
        raise NotImplementedError("implement commit()")

    with pytest.raises(NotImplementedError):
        CallLog().raises(RuntimeError, "db.commit()", stub, "commit outside a transaction raises RuntimeError")


def test_a_tolerance_accepts_a_computed_float_that_differs_in_its_last_bits():
    CallLog(tolerance=1e-9).expect(0.1 + 0.2, 0.3, "k.ttl('a')", "rule")
    failure(lambda: CallLog().expect(0.1 + 0.2, 0.3, "k.ttl('a')", "rule"))


# --------------------------------------------------------------------------- the model runner


class Counter:
    def __init__(self):
        self.n = 0

    def add(self, k):
        self.n += k


class OffByOneOnSeven(Counter):
    def add(self, k):
        self.n += k + (k == 7)


class CounterMachine(ModelMachine):
    amounts = st.integers(0, 3)

    def __init__(self):
        super().__init__("c = Counter()")
        self.counter, self.model = self.solution(), 0

    @rule(k=drawn("amounts"))
    def add(self, k):
        self.log.attempt(code("c.add", k), lambda: self.counter.add(k))
        self.model += k

    @invariant()
    def total_matches(self):
        self.log.expect(self.counter.n, self.model, "c.n", "n is the sum of what was added")


class ReachesSeven(CounterMachine):
    amounts = st.integers(7, 7)


def test_run_machine_passes_a_solution_that_agrees_with_the_model():
    run_machine(CounterMachine, Counter, steps=10)


@pytest.fixture
def no_example_database():
    """Hypothesis's example database off: the run searches and shrinks afresh, whatever ran before."""
    before = settings.get_current_profile_name()
    settings.register_profile("toolkit-no-database", settings.get_profile(before), database=None)
    settings.load_profile("toolkit-no-database")
    yield
    settings.load_profile(before)


@pytest.fixture
def shrink_budget():
    """Set this test's shrink budget (None: Hypothesis's own limit); the run's comes back after."""
    before = shrinking.budget()
    yield shrinking.set_budget
    shrinking.set_budget(before)


def test_drawn_lets_a_subclass_draw_what_finds_the_bug_and_the_failure_shows_the_shortest_calls(
    shrink_budget, no_example_database
):
    shrink_budget(None)  # the grader's profile: Hypothesis shrinks as long as it needs
    run_machine(CounterMachine, OffByOneOnSeven, steps=10)  # never adds 7
    message = failure(lambda: run_machine(ReachesSeven, OffByOneOnSeven, steps=10))
    assert message.startswith("c.n returned 8; expected 7: n is the sum of what was added.")
    assert "Shortest failing sequence" in message
    assert message.endswith("    c = Counter()\n    c.add(7)\n")


class SlowPastTwenty(Counter):
    """Wrong once the total passes 20, and slow to call: shrinking its failure takes seconds.

    Its shortest failing calls are seven ``c.add(3)``.
    """

    def add(self, k):
        time.sleep(0.002)
        self.n += k + (self.n + k > 20)


def test_a_failure_stops_shrinking_at_the_budget_and_says_it_may_not_be_the_shortest(
    shrink_budget, no_example_database, capsys
):
    shrink_budget(0.1)
    started = time.perf_counter()
    with shrinking.watched():
        message = failure(lambda: run_machine(CounterMachine, SlowPastTwenty, steps=40))
    elapsed = time.perf_counter() - started

    assert "A failing sequence of calls, shortened for at most 0.1 s (paste it" in message
    assert message.count("c.add(") > 7, message  # cut short: not yet the seven c.add(3)
    assert elapsed < 5, elapsed  # unbudgeted, it shrinks for about 7 s
    # Hypothesis's own notes (five minutes, a seed to replay) are not the learner's.
    printed = capsys.readouterr()
    assert "Hypothesis" not in printed.out + printed.err and "shrink" not in printed.out + printed.err


# --------------------------------------------------------------------------- deadlock waits


def test_after_a_hang_thread_waits_are_short_but_not_shorter_than_a_test_may_need():
    watchdog = Watchdog()
    assert watchdog.patience(10) == 10
    watchdog.hung()
    watchdog.hung()
    assert watchdog.patience(10) == 1.0 and watchdog.patience(0.5) == 0.5
    assert watchdog.limit < 2.0
    watchdog.reset()  # the next kata's solution: full waits again
    assert watchdog.patience(10) == 10 and watchdog.limit == 2.0


def test_a_live_line_keeps_the_words_not_the_harness_s_exception_name():
    message = "stages.support.lru_cache.DeadlockSuspected: deadlock suspected: cache.get(1) did not return"
    assert HARNESS_EXCEPTION.sub("", message) == "deadlock suspected: cache.get(1) did not return"
    assert HARNESS_EXCEPTION.sub("", "KeyError: 'a'") == "KeyError: 'a'"


def test_prepared_hands_a_state_on_only_from_a_check_that_passed():
    built = []
    prepared = Prepared()

    def build():
        built.append(object())
        return built[-1]

    with prepared.lent() as take:
        first = take("big", build)
        assert take("big", build) is first  # one state per key within a check
    with prepared.lent() as take:
        assert take("big", build) is first  # the passing check handed it on: built once
    with pytest.raises(AssertionError), prepared.lent() as take:
        take("big", build)
        raise AssertionError("a failed check")
    with prepared.lent() as take:
        assert take("big", build) is not first  # the failed check dropped it: built anew
    assert len(built) == 2


def test_prepared_states_are_forgotten_between_stages():
    prepared = Prepared()
    with prepared.lent() as take:
        first = take("big", object)
    forget_prepared()  # the plugin calls it when the run moves on to another stage
    with prepared.lent() as take:
        assert take("big", object) is not first
