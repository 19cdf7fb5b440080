"""The probed Unicode tables still agree with the installed HF ``tokenizers``, on a sample of code points.

(``make_unicode_tables.py`` regenerates them from every code point; that takes minutes on a busy machine.)
"""

from __future__ import annotations

import pytest
from tokenizers import normalizers, pre_tokenizers

from slm_web.tokenizers import byte_level
from slm_web.tokenizers.normalizers import build_normalizer
from slm_web.tokenizers.pieces import Piece
from slm_web.tokenizers.pre_tokenizers import BertPreTokenizer

# Every code point below U+0800, then a stride through the rest, plus ranges where the tables differ
# from Python's own unicodedata (new case pairs, a late canonical decomposition, newer emoji, CJK edges).
SAMPLE = sorted({
    *range(0x800), *range(0x800, 0x110000, 97), *range(0x10D50, 0x10D90), *range(0xA7C0, 0xA7E0),
    0x1C89, 0x11938, 0x1F970, 0x1FAE0, 0x2B81F, 0x2B820, 0x2B920, 0x2CEAF, 0x2CEB0, *range(0xAC00, 0xAC40),
} - set(range(0xD800, 0xE000)))
CHARS = [chr(cp) for cp in SAMPLE]


def _piece(text: str) -> Piece:
    return Piece(text, list(range(len(text))))


@pytest.mark.parametrize("spec", [
    {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None,
     "lowercase": True},
    {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": True,
     "lowercase": False},
    {"type": "Lowercase"},
    {"type": "StripAccents"},
])
def test_normalizers_match_hf_per_character(spec: dict) -> None:
    text = "".join(f"a{c}" for c in CHARS)  # "a" keeps NFD from reordering marks across sample characters
    hf = getattr(normalizers, spec["type"])(**{k: v for k, v in spec.items() if k != "type"})
    assert build_normalizer(spec).normalize(_piece(text)).text == hf.normalize_str(text)


def test_bert_pre_tokenizer_classes_match_hf() -> None:
    text = "".join(f"a{c}a " for c in CHARS)
    ours = [(p.text, p.span()) for p in BertPreTokenizer().split(_piece(text))]
    assert ours == pre_tokenizers.BertPreTokenizer().pre_tokenize_str(text)


def test_gpt2_split_pattern_matches_hf() -> None:
    text = "".join(f" {c}a{c}1{c}.{c}  {c}'s{c}" for c in CHARS)
    ours = [m.span() for m in byte_level.split_pattern().finditer(text)]
    hf = pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str(text)
    assert ours == [span for _, span in hf]
