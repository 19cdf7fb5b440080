"""bench/engines.py's table: no browser (the suite itself runs in python -m bench / bench.engines)."""

from __future__ import annotations

from bench import engines


def _timeline(first_result_ms: float) -> list[dict]:
    return [
        {"t": 50.0, "step": "create"},
        {"t": first_result_ms - 20, "step": "ready"},
        {"t": first_result_ms, "step": "first-result"},
    ]


def test_engine_table_has_medians_per_engine_and_says_why_a_row_is_missing() -> None:
    from bench.stats import phases

    measured = {
        "chromium": {
            "first": [phases(_timeline(ms)) for ms in (4000.0, 3000.0, 5000.0)],
            "revisit": [phases(_timeline(ms)) for ms in (900.0, 800.0, 1000.0)],
            "info": {"threads": 2, "crossOriginIsolated": True},
        },
        "firefox": {"failed": "RuntimeError: bench page: failed: boom"},
        "webkit": {"unavailable": "WebKitWebDriver is not installed (bash scripts/setup.sh installs it)"},
    }
    summary = engines.summarize(measured)
    assert summary["chromium"]["first"]["total to first result"]["median"] == 4000.0
    lines = engines.section(summary)
    assert lines[0] == "### First visit per engine"
    assert "SharedArrayBuffer" in "\n".join(lines)
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| engine")]
    assert rows[0] == (
        "| Chromium | 4.00 s (3.00–5.00) | 0.90 s (0.80–1.00) | 2 (crossOriginIsolated: True) | 3 |"
    )
    assert rows[1].startswith("| Firefox ESR | not measured: failed: RuntimeError: bench page")
    assert "WebKitWebDriver is not installed" in rows[2]
    assert all(row.count("|") == 6 for row in rows)


def test_firefox_is_asked_for_one_ort_thread_and_the_others_for_two() -> None:
    # Firefox's start with two onnxruntime-web threads now and then never finished (bench/ANALYSIS.md).
    assert "threads=1" in engines.query("firefox")
    assert all("threads=2" in engines.query(engine) for engine in ("chromium", "webkit"))
    assert all(engines.query(e).startswith("cold=slm&tasks=") for e in ("chromium", "firefox", "webkit"))
