"""Every per-task table outside slm_web/registry.py covers exactly the registry's tasks, and every table
keyed by a task's head covers the heads it uses: a new task's missing entry fails here, by name
(docs/python-api.md, "Adding a task", lists the places)."""

from __future__ import annotations

import pytest

from converter import architectures, pipeline, postprocess, report, validate
from slm_web import bundle_schema
from slm_web.registry import TASKS

PER_TASK = {
    "converter/validate.py CHECKS": validate.CHECKS,
    "converter/report.py TASK_SUMMARY": report.TASK_SUMMARY,
    "slm_web/bundle_schema.py TASK_RULES": bundle_schema.TASK_RULES,
}


@pytest.mark.parametrize("table", PER_TASK)
def test_each_task_has_its_entry(table):
    assert set(PER_TASK[table]) == set(TASKS), table


def test_each_head_is_built_and_named():
    heads = {spec.head for spec in TASKS.values()}
    assert heads <= set(postprocess.HEADS)
    assert heads - {None} <= set(pipeline.NAMES_KEY)
    for arch in architectures.ARCHITECTURES.values():
        assert set(arch.heads.values()) <= heads
