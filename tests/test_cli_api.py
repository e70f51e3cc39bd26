"""API stability: snapshots of a solution's public API and how changes are classed."""

from __future__ import annotations

import textwrap

import pytest

from dojo.catalog import Kata
from dojo.learner import api
from dojo.learner.api import ADDITIVE, BREAKING


def snap(source: str) -> dict:
    namespace: dict = {}
    exec(textwrap.dedent(source), namespace)
    return {"classes": {"C": api.describe_class(namespace["C"])}}


BASE = """
class C:
    def __init__(self, capacity):
        self._d = {}
    def get(self, key, default=None):
        pass
    def put(self, key, value):
        pass
    def _helper(self):
        pass
    def __len__(self):
        return 0
"""


def changes(after: str) -> set[tuple[str, str, str]]:
    return {(c.kind, c.where, c.what) for c in api.compare(snap(BASE), snap(after))}


def test_the_same_api_has_no_changes_and_private_helpers_do_not_count():
    assert changes(BASE.replace("_helper", "_other_helper")) == set()


def test_a_new_method_is_additive():
    after = BASE + "    def delete(self, key):\n        pass\n"
    assert changes(after) == {(ADDITIVE, "C.delete", "new method delete(key)")}


def test_a_new_optional_parameter_is_additive():
    after = BASE.replace("def put(self, key, value):", "def put(self, key, value, ttl=None):")
    assert changes(after) == {(ADDITIVE, "C.put", "new optional parameter 'ttl'")}


def test_a_new_required_parameter_is_breaking():
    after = BASE.replace("def put(self, key, value):", "def put(self, key, value, ttl):")
    assert changes(after) == {(BREAKING, "C.put", "new required parameter 'ttl'")}


def test_a_parameter_that_lost_its_default_is_breaking_and_the_reverse_additive():
    after = BASE.replace("default=None", "default").replace("value)", "value=None)")
    assert changes(after) == {
        (BREAKING, "C.get", "parameter 'default' is now required"),
        (ADDITIVE, "C.put", "parameter 'value' is now optional"),
    }


def test_a_removed_method_is_breaking():
    after = BASE.replace("def __len__(self):\n        return 0\n", "")
    assert changes(after) == {(BREAKING, "C.__len__", "removed (was __len__())")}


def test_a_renamed_method_is_breaking_and_named_as_a_rename():
    after = BASE.replace("def put(", "def set(")
    assert changes(after) == {(BREAKING, "C.put", "renamed to set")}


def test_reordered_or_renamed_parameters_are_breaking():
    reordered = BASE.replace("def put(self, key, value):", "def put(self, value, key):")
    assert changes(reordered) == {(BREAKING, "C.put", "positional parameters reordered")}
    renamed = BASE.replace("def put(self, key, value):", "def put(self, k, value):")
    assert (BREAKING, "C.put", "parameter 'key' removed") in changes(renamed)


def test_a_method_turned_property_is_breaking():
    after = BASE.replace("    def __len__(self):", "    @property\n    def size(self):\n        return 0\n    def __len__(self):")
    after = after.replace("    def get(self, key, default=None):\n        pass\n",
                          "    @property\n    def get(self):\n        return 1\n")
    found = changes(after)
    assert (BREAKING, "C.get", "method became property") in found
    assert (ADDITIVE, "C.size", "new property size") in found


def test_a_constructor_change_counts_like_any_method():
    after = BASE.replace("def __init__(self, capacity):", "def __init__(self, capacity, *, clock):")
    assert changes(after) == {(BREAKING, "C.__init__", "new required parameter 'clock'")}


def test_classmethods_are_recorded_without_cls():
    after = BASE + "    @classmethod\n    def load(cls, path):\n        pass\n"
    assert changes(after) == {(ADDITIVE, "C.load", "new classmethod load(path)")}


def test_a_removed_class_is_breaking_and_a_new_one_additive():
    old = {"classes": {"A": {"methods": {}}}}
    new = {"classes": {"B": {"methods": {}}}}
    found = {(c.kind, c.where, c.what) for c in api.compare(old, new)}
    assert found == {(BREAKING, "A", "class removed"), (ADDITIVE, "B", "new class")}


@pytest.fixture
def kata(tmp_path) -> Kata:
    return Kata("toy", "Toy", "toy", "Toy", ("One",), tmp_path / "katas" / "toy")


def test_snapshot_reads_the_kata_class_and_public_classes_of_its_module_only(kata, tmp_path):
    folder = tmp_path / "sol" / "toy"
    folder.mkdir(parents=True)
    (folder / "node.py").write_text("class Node:\n    def link(self, other):\n        pass\n")
    (folder / "toy.py").write_text(
        "from .node import Node\nimport json\n\n"
        "class Toy:\n    def value(self, x, y=2):\n        return 1\n\nclass _Private:\n    pass\n\n"
        "class TooFull(ValueError):\n    pass\n"
    )
    found = api.snapshot(kata, tmp_path / "sol")
    assert found == {"classes": {
        "TooFull": {"methods": {}},
        "Toy": {"methods": {"value": {"kind": "method", "params": [
            ["x", "POSITIONAL_OR_KEYWORD", False], ["y", "POSITIONAL_OR_KEYWORD", True]]}}},
    }}


def test_snapshot_of_a_broken_solution_keeps_the_problem(kata, tmp_path):
    folder = tmp_path / "sol" / "toy"
    folder.mkdir(parents=True)
    (folder / "toy.py").write_text("class Toy(:\n")
    found = api.snapshot(kata, tmp_path / "sol")
    assert found["classes"] == {} and "SyntaxError" in found["problem"]
