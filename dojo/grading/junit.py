"""JUnit XML: one ``<testsuite>`` per kata and stage, one ``<testcase>`` per test.

A failed test is a ``<failure>``; the test in progress when the run timed out,
crashed or ran out of memory is an ``<error>``; locked, skipped and never-run
tests are ``<skipped>`` with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dojo.grading.grader import Grade
from dojo.grading.observe import FAILED, LOCKED, NOT_RUN, PASSED, SKIPPED, KataGrade, StageGrade


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _suite(kata: KataGrade, stage: StageGrade) -> ET.Element:
    broken = kata.where.nodeid if kata.where is not None else None
    errors = sum(1 for t in stage.tests if t.nodeid == broken)
    element = ET.Element(
        "testsuite",
        {
            "name": f"{kata.name} stage {stage.stage}: {stage.title}",
            "tests": str(len(stage.tests)),
            "failures": str(stage.count(FAILED) - errors),
            "errors": str(errors),
            "skipped": str(stage.count(LOCKED) + stage.count(SKIPPED) + stage.count(NOT_RUN)),
            "time": _seconds(stage.duration),
        },
    )
    properties = ET.SubElement(element, "properties")
    for name, value in (
        ("kata", kata.name),
        ("stage", str(stage.stage)),
        ("status", stage.status),
        ("kata_outcome", kata.outcome),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for test in stage.tests:
        case = ET.SubElement(
            element,
            "testcase",
            {
                "classname": f"{kata.name}.stage{stage.stage}",
                "name": test.name,
                "file": test.nodeid.split("::", 1)[0],
                "time": _seconds(test.duration),
            },
        )
        message = test.message or ""
        if test.outcome == FAILED:
            tag = "error" if test.nodeid == broken else "failure"
            ET.SubElement(
                case, tag, {"message": message, "type": kata.outcome if tag == "error" else "AssertionError"}
            ).text = message
        elif test.outcome != PASSED:
            ET.SubElement(case, "skipped", {"message": message or test.outcome})
    return element


def to_xml(grade: Grade) -> str:
    root = ET.Element("testsuites", {"name": "kata-dojo grade", "time": _seconds(grade.duration)})
    suites = [_suite(k, s) for k in grade.katas for s in k.stages]
    for attribute in ("tests", "failures", "errors", "skipped"):
        root.set(attribute, str(sum(int(s.attrib[attribute]) for s in suites)))
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
