"""Human-readable summaries: the conversion report table and ``inspect``'s manifest summary."""

from __future__ import annotations

from typing import Any

TASK_SUMMARY = {
    "sentiment": lambda c: f"labels: {', '.join(c['labels'])}",
    "grammar": lambda c: (
        f"{len(c['tags'])} tags, top {c['tag_top_k']} per token, "
        f"{len(c.get('transforms', {}))} transform tables, min confidence {c.get('min_confidence')}"
    ),
    "autocomplete": lambda c: (
        f"top {c['top_k']}, {c['n_layer']} layers x {c['n_head']} heads x {c['head_dim']}, "
        f"{c['max_positions']} positions"
    ),
}


def human_bytes(n: int) -> str:
    for unit in ("B", "kB", "MB"):
        if n < 1000 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def _rows(rows: list[tuple[str, str, str, str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return [
        "  ".join(
            cell.ljust(w) if i in (0, 3) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def format_report(report: dict[str, Any], out: str) -> str:
    """The table printed after a conversion (the same numbers as ``--report``'s JSON)."""
    v = report["validation"]
    sizes, cmp = v["sizes"], v["fp32_vs_int8"]
    ratio = sizes["int8_model_bytes"] / sizes["fp32_model_bytes"]
    rows = [
        ("", "fp32", "int8", ""),
        (
            "model.onnx",
            human_bytes(sizes["fp32_model_bytes"]),
            human_bytes(sizes["int8_model_bytes"]),
            f"int8 = {ratio:.0%} of fp32",
        ),
        (
            "agreement",
            "",
            f"{cmp['agreement']:.1%}",
            f"{cmp['agreement_rule']}; {cmp['predictions']} predictions on {cmp['texts']} texts",
        ),
        ("top-1 agreement", "", f"{cmp['top1_agreement']:.1%}", "exactly the same best candidate"),
        ("max abs diff", "", f"{cmp['max_abs_diff']:.4g}", "of the graph's float outputs"),
    ]
    rows += [
        (f"{task} head", "", f"{h['fp32_vs_int8']['agreement']:.1%}",
         f"agreement; its lowest {h['shared_layers']} layers shared")
        for task, h in v.get("heads", {}).items()
    ]
    if "eval" in v:
        e = v["eval"]
        rows.append(
            (e["metric"], f"{e['fp32']:.4f}", f"{e['int8']:.4f}", f"{e['examples']} examples in {e['file']}")
        )
    parity = v["tokenizer_parity"]
    lines = [
        f"{report['name']} ({report['task']}, {report['model']['quantization']}) -> {out} "
        f"({human_bytes(sizes['bundle_bytes'])}; source weights {human_bytes(sizes['source_bytes'])})",
        *_rows(rows),
        f"tokenizer parity with HF tokenizers: {parity['status']}"
        + (f" on {parity['texts']} texts" if "texts" in parity else ""),
        f"int8 MatMul scales: {'per channel' if v['int8_per_channel'] else 'per tensor'}"
        + "".join(
            f"; {name.replace('_', ' ')} agreement {c['agreement']:.1%}"
            for name, c in v.get("int8_candidates", {}).items()
        ),
    ]
    return "\n".join(lines)


def _names(names: list[str], limit: int = 6) -> str:
    """A name list, shortened for KV-cache graphs with dozens of inputs."""
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def format_manifest(manifest: dict[str, Any], size: int) -> str:
    """``python -m converter inspect`` output."""
    tok, model, config = manifest["tokenizer"], manifest["model"], manifest["task_config"]
    lines = [
        f"{manifest.get('name', '?')}: {manifest['task']} bundle, format {manifest['format_version']}, "
        f"{human_bytes(size)}, id {manifest['bundle_sha256'][:16]}",
        *(
            f"  {name}: {human_bytes(entry['size'])}, sha256 {entry['sha256'][:16]}"
            for name, entry in manifest["members"].items()
        ),
        f"  tokenizer: {tok['kind']}, vocab {tok['vocab_size']}, max length {tok['max_length']}, "
        f"specials {tok['special_ids']}",
        f"  model: {model.get('architecture')}, {model.get('quantization')}, opset {model.get('opset')}",
        f"  inputs: {_names(model.get('inputs', []))}",
        f"  outputs: {_names(model.get('outputs', []))}",
        f"  task: {TASK_SUMMARY[manifest['task']](config)}",
        *(f"  head {task}: {TASK_SUMMARY[task](head['task_config'])}"
          for task, head in manifest.get("heads", {}).items()),
    ]
    cmp = manifest.get("validation", {}).get("fp32_vs_int8")
    if cmp:
        lines.append(
            f"  validation: int8 agreement {cmp.get('agreement', cmp['top1_agreement']):.1%} "
            f"({cmp.get('agreement_rule', 'same top-1')}), top-1 agreement {cmp['top1_agreement']:.1%}, "
            f"max abs diff {cmp['max_abs_diff']:.4g}"
        )
    source = manifest.get("source", {})
    lines.append(
        f"  source: {source.get('path')} (converter {source.get('converter')}, {source.get('created')})"
    )
    return "\n".join(lines)
