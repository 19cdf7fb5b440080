"""Compare slm_web.tokenizers with HF ``tokenizers`` (the oracle) on many texts at once."""

from __future__ import annotations

import json
import re
from typing import Any

from tokenizers import Tokenizer as HFTokenizer

from slm_web.tokenizers import from_json

_SURROGATE = re.compile("[\ud800-\udfff]")


def hf_from_spec(spec: dict[str, Any]) -> HFTokenizer:
    return HFTokenizer.from_str(json.dumps(spec))


def hf_text(text: str) -> str:
    """HF cannot take lone surrogates; slm_web reads each as U+FFFD, so that is what HF gets."""
    return _SURROGATE.sub("\ufffd", text)


def mismatches(spec: dict[str, Any], texts: list[str], add_special_tokens: bool = True,
               max_length: int | None = None) -> list[str]:
    """One line per text where ids, tokens, offsets, word ids or decoding differ (empty: all equal)."""
    hf = hf_from_spec(spec)
    if max_length is not None:
        hf.enable_truncation(max_length)
    ours = from_json(spec)
    expected = hf.encode_batch([hf_text(t) for t in texts], add_special_tokens=add_special_tokens)
    bad = []
    for text, want in zip(texts, expected, strict=True):
        got = ours.encode(text, add_special_tokens=add_special_tokens, max_length=max_length)
        for field in ("ids", "tokens", "offsets", "word_ids"):
            if getattr(got, field) != list(getattr(want, field)):
                ours, theirs = getattr(got, field)[:12], getattr(want, field)[:12]
                bad.append(f"{field} differ for {text[:80]!r}: {ours} != {theirs}")
                break
        else:
            for skip in (True, False):
                if ours.decode(got.ids, skip) != hf.decode(want.ids, skip_special_tokens=skip):
                    bad.append(f"decode(skip={skip}) differs for {text[:80]!r}")
    return bad
