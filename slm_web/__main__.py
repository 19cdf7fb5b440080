"""Command line: ``python -m slm_web run|inspect|serve``. Errors are one line on stderr and exit status 1."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import __version__, load_all_sync
from .bundle import read_bundle
from .errors import SLMError
from .registry import KINDS, TASKS, Option
from .tasks.results import Classification, Completion, Correction

EXAMPLES = """\
examples:
  python -m slm_web run sentiment.slm "I loved it" "Worst film ever"
  python -m slm_web run autocomplete.slm "I would li" -k 5 --max-words 2 --json
  python -m slm_web run grammar.slm "she go to school yesterday"
  python -m slm_web run grammar.slm "She go to school." --min-confidence 0.7
  python -m slm_web run grammar.slm "i recieved it" --disable spelling,capitalization
  cat texts.txt | python -m slm_web run grammar.slm - --json     # one text per line
  python -m slm_web run shared.slm "She go to school." --task grammar,sentiment   # a shared bundle's heads
  python -m slm_web inspect grammar.slm
  python -m slm_web serve --help                                  # the offline demo server
"""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # the browser engineer's server parses its own options
        from . import serve

        return serve.main(argv[1:]) or 0
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except SLMError as e:
        print(f"slm_web: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m slm_web",
        description=f"Run small language models from .slm bundles ({', '.join(TASKS)}).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"slm_web {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a bundle's task on texts", epilog=EXAMPLES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("bundle", metavar="BUNDLE", help="path to a .slm bundle")
    run.add_argument("texts", metavar="TEXT", nargs="+", help="texts; - reads one per line from stdin")
    run.add_argument("--json", action="store_true", help="print one JSON object per text")
    for task, option in _cli_options():
        default = KINDS[option.kind].unset if option.default is None else option.default
        run.add_argument(option.flag, type=KINDS[option.kind].parse, default=None,
                         help=f"{task}: {option.doc} (default {default})")
    run.add_argument("--task", type=lambda s: s.split(","), default=None, metavar="TASK[,TASK]",
                     help="a shared bundle's heads to run, comma-separated (default: its main task)")
    run.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads")
    run.set_defaults(command=_run)

    inspect = commands.add_parser("inspect", help="show a bundle's manifest (no inference engine needed)")
    inspect.add_argument("bundle", metavar="BUNDLE", help="path to a .slm bundle")
    inspect.add_argument("--json", action="store_true", help="print the whole manifest as JSON")
    inspect.set_defaults(command=_inspect)

    commands.add_parser("serve", help="serve the offline browser demo (see: serve --help)", add_help=False)
    return parser


def _run(args: argparse.Namespace) -> int:
    models = load_all_sync(args.bundle, threads=args.threads)
    try:
        tasks = args.task or list(models)[:1]
        unknown = [t for t in tasks if t not in models]
        if unknown:
            raise SLMError(f"this bundle serves {', '.join(models)}, not {unknown[0]!r}")
        return _run_tasks(args, [models[t] for t in tasks])
    finally:
        for model in models.values():
            model.close()


def _run_tasks(args: argparse.Namespace, models: list[Any]) -> int:
    """Each text through each model's main method; a line (or JSON object) per text and model."""
    status = 0
    calls = [_main_call(args, model) for model in models]
    for text in _texts(args.texts):
        for model, run in zip(models, calls, strict=True):
            try:
                result = run(text)
            except SLMError as e:  # report it and go on with the other texts
                print(f"slm_web: error: {e}", file=sys.stderr)
                status = 1
                continue
            task = {"task": model.task} if len(models) > 1 else {}
            print(json.dumps({"input": text, **task, **_as_dict(result)}, ensure_ascii=False) if args.json
                  else _human(text, result), flush=True)
    return status


def _main_call(args: argparse.Namespace, model: Any) -> Any:
    """The model's main method (the registry's first) with the options given on the command line; the
    model's own defaults (the registry's) fill in the rest."""
    method = TASKS[model.task].methods[0]
    given = {o.name: getattr(args, o.name) for o in method.options if o.bridge}
    given = {name: value for name, value in given.items() if value is not None}
    run = getattr(model, f"{method.name}_sync")
    return lambda text: run(text, **given)


def _texts(args: list[str]) -> Iterator[str]:
    for arg in args:
        if arg == "-":
            yield from (line.rstrip("\r\n") for line in sys.stdin)
        else:
            yield arg


def _cli_options() -> Iterator[tuple[str, Option]]:
    """Each task's main-method options that the command line offers, as (task, option)."""
    for spec in TASKS.values():
        yield from ((spec.name, o) for o in spec.methods[0].options if o.bridge and KINDS[o.kind].parse)


def _as_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, list):  # autocomplete suggestions
        return {"suggestions": [c.to_dict() for c in result]}
    return result.to_dict()


def _classification_line(text: str, result: Classification) -> str:
    return f"{result.label}\t{result.score:.3f}\t{text}"


def _suggestions_line(text: str, suggestions: list[Completion]) -> str:
    shown = " | ".join(f"{c.text} (+{c.insert!r}, {c.score:.3f})" for c in suggestions)
    return f"{text} -> {shown or '(no suggestion)'}"


def _correction_lines(text: str, result: Correction) -> str:
    edits = (f"  {e.start}-{e.end} {e.original!r} -> {e.replacement!r} ({e.type})" for e in result.edits)
    return "\n".join((result.text, *edits))


# What ``run`` prints for a text without --json, by the type of its result (complete() gives a list).
HUMAN_FORMATS: dict[type, Callable[[str, Any], str]] = {
    Classification: _classification_line,
    list: _suggestions_line,
    Correction: _correction_lines,
}


def _human(text: str, result: Any) -> str:
    return HUMAN_FORMATS[type(result)](text, result)


def _inspect(args: argparse.Namespace) -> int:
    bundle = read_bundle(args.bundle)
    manifest = bundle.manifest
    if args.json:
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
        return 0
    model, tokenizer = manifest["model"], manifest["tokenizer"]
    rows = [
        ("name", manifest.get("name", "?")),
        ("task", manifest["task"]),
        ("bundle", f"{bundle.sha256[:16]}…  format {manifest['format']} v{manifest['format_version']}"),
        *((f"member {name}", f"{_size(len(data))}") for name, data in bundle.members.items()),
        ("model", ", ".join(f"{k} {_short(v)}" for k, v in model.items())),
        ("tokenizer", ", ".join(f"{k} {_short(v)}" for k, v in tokenizer.items())),
        *((f"config {k}", _short(v)) for k, v in manifest["task_config"].items()),
        *((("heads", ", ".join(bundle.tasks[1:])),) if len(bundle.tasks) > 1 else ()),
        *((f"{task} config {k}", _short(v)) for task in bundle.tasks[1:]
          for k, v in bundle.task_manifest(task)["task_config"].items()),
        *((f"validation {k}", _short(v)) for k, v in manifest.get("validation", {}).items()),
        *((f"source {k}", _short(v)) for k, v in manifest.get("source", {}).items()),
    ]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k.ljust(width)}  {v}" for k, v in rows))
    return 0


def _short(value: Any) -> str:
    """A one-line view of a manifest value: long lists and objects are summarised by their size."""
    if isinstance(value, list):
        return ", ".join(map(str, value)) if len(value) <= 8 else f"[{len(value)} items]"
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 80 else f"{{{len(value)} entries}}"
    return str(value)


def _size(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


if __name__ == "__main__":
    sys.exit(main())
