"""The curriculum checks itself: every declared kata is well formed.

A kata author who forgets a stage text, a hint, a reference or the stub's
NotImplementedError hears about it here, with the file to add.
"""

from __future__ import annotations

import ast

import pytest

from dojo.catalog import load_catalog
from tests.support import REPO

CATALOG = load_catalog(REPO)
KATAS = [pytest.param(kata, id=kata.name) for kata in CATALOG.katas]
STAGES = [
    pytest.param(kata, stage, id=f"{kata.name}-stage{stage}")
    for kata in CATALOG.katas
    for stage in kata.stages
]


@pytest.mark.parametrize(("kata", "stage"), STAGES)
def test_every_stage_has_its_text_titled_with_its_number(kata, stage):
    path = kata.task_path(stage)
    assert path.is_file(), f"{path.relative_to(REPO)} is missing: write stage {stage}'s task"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert f"Stage {stage}" in first, f"{path.relative_to(REPO)}: the title must name 'Stage {stage}'"


@pytest.mark.parametrize(("kata", "stage"), STAGES)
def test_every_stage_has_at_least_three_hints(kata, stage):
    hints = kata.hints(stage)
    assert len(hints) >= 3, (
        f"{kata.name}/hints.toml: [stage{stage}] has {len(hints)} hints; write at least three,"
        " the design nudge first and the data structure last"
    )


@pytest.mark.parametrize(("kata", "stage"), STAGES)
def test_every_stage_has_a_reference_solution_and_a_suite(kata, stage):
    reference = REPO / "reference" / f"stage{stage}" / kata.name / f"{kata.module}.py"
    suite = REPO / "stages" / f"stage{stage}" / f"test_{kata.name}.py"
    assert reference.is_file(), f"{reference.relative_to(REPO)} is missing"
    assert suite.is_file(), f"{suite.relative_to(REPO)} is missing"


@pytest.mark.parametrize("kata", KATAS)
def test_the_stub_declares_the_class_and_every_method_raises_not_implemented(kata):
    stub = kata.folder / f"{kata.module}.py"
    tree = ast.parse(stub.read_text(encoding="utf-8"))
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == kata.class_name]
    assert classes, f"{stub.relative_to(REPO)} must define class {kata.class_name}"
    for method in (n for n in classes[0].body if isinstance(n, ast.FunctionDef)):
        assert ast.get_docstring(method), f"{kata.class_name}.{method.name} needs a docstring"
        raises = [
            n for n in ast.walk(method)
            if isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n)
        ]
        assert raises, f"{kata.class_name}.{method.name} must raise NotImplementedError naming it"
        assert f"{method.name}()" in ast.unparse(raises[0]), (
            f"{kata.class_name}.{method.name}: the NotImplementedError message must name"
            f" the method, as in 'implement {method.name}()'"
        )


SCAFFOLD_MARK = "TODO (kata author)"  # what `dojo new` writes where the author's text goes


@pytest.mark.parametrize("kata", KATAS)
def test_no_file_of_a_kata_is_still_what_dojo_new_wrote(kata):
    n = kata.name
    files = [
        *kata.folder.rglob("*.py"), *kata.folder.rglob("*.md"), *kata.folder.rglob("*.toml"),
        *(REPO / "stages").glob(f"stage*/test_{n}.py"), *(REPO / "stages" / "support").glob(f"{n}.py"),
        *(REPO / "reference").glob(f"stage*/{n}/*.py"),
    ]
    unwritten = sorted(str(f.relative_to(REPO)) for f in files if SCAFFOLD_MARK in f.read_text(encoding="utf-8"))
    assert not unwritten, f"{n}: still as `dojo new` wrote them ({SCAFFOLD_MARK!r}): write {', '.join(unwritten)}"
