"""slm_web.registry: its records agree with the model classes, and its option checks say one line."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from slm_web import registry
from slm_web.errors import InputTextError, TaskMismatchError
from slm_web.tasks import TASKS, Model

CONFIG = {"top_k": 5}


def test_every_task_has_its_model_class():
    assert list(TASKS) == list(registry.TASKS)
    for name, cls in TASKS.items():
        assert issubclass(cls, Model) and cls.task == name


def test_model_methods_take_the_registrys_options():
    """A method's keyword parameters are its options, with the registry's defaults: one source for both;
    a required option is a parameter without a default (the method's argument)."""
    for name, spec in registry.TASKS.items():
        for method in spec.methods:
            params = inspect.signature(getattr(TASKS[name], method.name)).parameters
            keywords = {p: v.default for p, v in params.items() if v.default is not inspect.Parameter.empty}
            options = {o.name: o.default for o in method.options if not o.required}
            assert keywords == options, (name, method.name)
            arguments = {p for p, v in params.items() if v.default is inspect.Parameter.empty}
            assert {o.name for o in method.options if o.required} <= arguments, (name, method.name)


def test_every_public_method_belongs_to_one_task():
    """A task class's public methods are its registry record's (so each is served, checked and refused
    elsewhere); those that run the model are async, and only they have ``*_sync`` twins."""
    for name, cls in TASKS.items():
        spec = registry.TASKS[name]
        own = {m for m, v in vars(cls).items() if inspect.isfunction(v) and not m.startswith("_")}
        assert own <= {m.name for m in spec.methods} | {"close"}, name
        for method in spec.methods:
            assert inspect.iscoroutinefunction(getattr(cls, method.name)) == method.runs_model, method.name
            assert hasattr(cls, f"{method.name}_sync") == method.runs_model, method.name


@pytest.mark.parametrize("name", list(TASKS))
def test_another_tasks_methods_refuse_with_one_line(name):
    """Model has every task's methods, made from the registry: another task's say which bundle they need."""
    model = object.__new__(TASKS[name])
    model.manifest = {"name": "m"}
    for method, task in registry.METHOD_TASKS.items():
        if task == name:
            continue
        message = f"{method}() needs a {task} bundle, but 'm' is a {name} bundle"
        with pytest.raises(TaskMismatchError, match=re.escape(message)):
            getattr(model, method)("text")
        if registry.TASKS[task].method(method).runs_model:
            with pytest.raises(TaskMismatchError, match=re.escape(message)):
                getattr(model, f"{method}_sync")("text")


def test_refusing_methods_show_the_registrys_signature():
    assert str(inspect.signature(Model.complete)) == "(self, text, *, k=3, max_words=1)"
    assert str(inspect.signature(Model.add_words)) == "(self, words)"
    assert "grammar bundles" in Model.correct.__doc__


@pytest.mark.parametrize(("values", "message"), [
    ({"k": 2.7}, "k must be an int between 1 and 5, not 2.7"),
    ({"k": "3"}, "k must be an int between 1 and 5, not '3'"),
    ({"k": True}, "k must be an int between 1 and 5, not True"),
    ({"k": 6}, "k must be an int between 1 and 5, not 6"),
    ({"k": None}, "k must be an int between 1 and 5, not None"),
    ({"max_words": 0}, "max_words must be an int between 1 and 8, not 0"),
    ({"k": float("nan")}, "k must be an int between 1 and 5, not nan"),
])
def test_complete_options_refuse_with_one_line(values, message):
    with pytest.raises(InputTextError) as error:
        registry.TASKS["autocomplete"].method("complete").check(CONFIG, **values)
    assert str(error.value) == message


@pytest.mark.parametrize(("values", "message"), [
    ({"min_confidence": float("inf")}, "min_confidence must be a number from 0 to 1, not inf"),
    ({"min_confidence": "high"}, "min_confidence must be a number from 0 to 1, not 'high'"),
    ({"max_passes": 1.5}, "max_passes must be an int >= 0, not 1.5"),
])
def test_correct_options_refuse_with_one_line(values, message):
    with pytest.raises(InputTextError) as error:
        registry.TASKS["grammar"].method("correct").check({}, **values)
    assert str(error.value) == message


@pytest.mark.parametrize(("method", "values", "message"), [
    ("correct", {"disable": "spelling"}, "disable must be a list of at most 7 of unnecessary, missing, "
     "replace, spelling, capitalization, verb form, noun number, not 'spelling'"),
    ("correct", {"disable": ["grammar"]}, "disable must be a list of at most 7 of unnecessary, missing, "
     "replace, spelling, capitalization, verb form, noun number, not ['grammar']"),
    ("add_words", {"words": None}, "words must be a list of at most 10000 strings, not None"),
    ("add_words", {"words": [1, 2]}, "words must be a list of at most 10000 strings, not [1, 2]"),
    ("add_words", {"words": ["w"] * 10_001}, "words must be a list of at most 10000 strings, not "
     "['w', 'w', 'w', 'w', ...]"),
    ("ignore", {"edit": {"start": 0, "end": 2}}, "edit must be an edit from correct() (start, end, "
     "original, replacement, type), not {'end': 2, 'start': 0}"),
    ("ignore", {"edit": {"start": -1, "end": 2, "original": "a", "replacement": "", "type": "spelling"}},
     "edit must be an edit from correct() (start, end, original, replacement, type), not {'end': 2, "
     "'original': 'a', 'replacement': '', 'start': -1, 'type': 'spelling'}"),
    ("disable", {"types": ["spelling", 3]}, "types must be a list of at most 7 of unnecessary, missing, "
     "replace, spelling, capitalization, verb form, noun number, not ['spelling', 3]"),
])
def test_grammar_preference_arguments_refuse_with_one_line(method, values, message):
    with pytest.raises(InputTextError) as error:
        registry.TASKS["grammar"].method(method).check({}, **values)
    assert str(error.value) == message


def test_defaults_pass():
    registry.TASKS["autocomplete"].method("complete").check(CONFIG)
    registry.TASKS["grammar"].method("correct").check({}, min_confidence=None, max_passes=None)


def test_bridge_part_is_json_and_leaves_python_only_parts_out():
    bridge = json.loads(json.dumps(registry.bridge_tasks()))
    assert "classify_batch" not in bridge["sentiment"]
    confidence = {"name": "min_confidence", "js": "minConfidence", "kind": "number"}
    disable = {"name": "disable", "js": "disable", "kind": "names"}
    assert bridge["grammar"]["correct"] == bridge["grammar"]["proofread"] == [confidence, disable]
    assert bridge["grammar"]["add_words"] == [{"name": "words", "js": "words", "kind": "names"}]
    assert [o["js"] for o in bridge["autocomplete"]["complete"]] == ["k", "maxWords"]


DTS = Path(__file__).parents[2] / "bridge" / "slm.d.ts"
SLM_JS = DTS.with_name("slm.js")
TS_KINDS = {"int": "number", "number": "number"}


def _ts_type(option: registry.Option) -> str:
    """The TS type slm.d.ts gives an option: a list of names is typed by what its names may be."""
    if option.kind != "names":
        return TS_KINDS[option.kind]
    return "EditType[]" if option.choices == registry.EDIT_TYPES else "string[]"


def _interface(source: str, name: str) -> dict[str, str] | None:
    """The fields of ``export interface NAME {…}`` in slm.d.ts (comments dropped): name -> TS type."""
    alias = re.search(rf"export type {name} = (\w+);", source)
    if alias:
        return _interface(source, alias.group(1))
    match = re.search(rf"export interface {name} \{{(.*?)\n\}}", source, re.S)
    if match is None:
        return None
    body = re.sub(r"/\*.*?\*/|//[^\n]*", "", match.group(1), flags=re.S)
    return dict(re.findall(r"(\w+)\?: ([^;]+);", body))


def _class(source: str, name: str) -> str:
    return re.search(rf"export declare class {name} \{{(.*?)\n\}}", source, re.S).group(1)


def test_slm_d_ts_declares_the_registrys_tasks_and_options():
    """The hand-written types for pages say what the registry says: the task names, and per method that
    takes options one ``<Method>Options`` interface with the options' page names and types."""
    source = DTS.read_text()
    union = re.search(r"export type Task = ([^;]+);", source).group(1)
    assert re.findall(r'"(\w+)"', union) == list(registry.TASKS)
    for spec in registry.TASKS.values():
        for method in spec.methods:
            options = [o for o in method.options if o.bridge and not o.required]  # required: an argument
            interface = "".join(part.title() for part in method.name.split("_")) + "Options"
            declared = _interface(source, interface)
            if not options:
                assert declared is None, interface
                continue
            assert declared == {o.js_name: _ts_type(o) for o in options}, interface
            assert f"  {method.js_name}(text: string, options?: {interface})" in source, method.name
        main = spec.methods[0]  # every task's main method is a method of SLM that pages call with a text
        assert re.search(rf"\n  {main.js_name}\(text: string[,)]", _class(source, "SLM")), main.name
    union = re.search(r"export type EditType = ([^;]+);", source).group(1)
    assert tuple(re.findall(r'"([\w ]+)"', union)) == registry.EDIT_TYPES


def test_every_page_method_is_declared_on_slm():
    """Each bridge method pages call by its own name (all but those slm.js calls behind others, its
    CALLED_BEHIND) is a method of SLM in slm.d.ts under its JS name (slm.js makes those it does not write)."""
    behind = re.search(r"const CALLED_BEHIND = new Set\(\[(.*?)\]\);", SLM_JS.read_text()).group(1)
    called_behind = set(re.findall(r'"(\w+)"', behind))
    bridge = {m.name: m for spec in registry.TASKS.values() for m in spec.methods if m.bridge}
    assert called_behind <= set(bridge)
    declared = _class(DTS.read_text(), "SLM")
    for name, method in bridge.items():
        if name not in called_behind:
            assert re.search(rf"\n  {method.js_name}\(", declared), name
