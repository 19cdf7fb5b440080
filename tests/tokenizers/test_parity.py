"""Parity with HF ``tokenizers``: ids, tokens, offsets, word ids and decoding on thousands of texts."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tokenizer_corpus import all_texts, nasty_lines, prose_lines, prose_paragraphs
from tokenizer_parity import hf_from_spec, mismatches

from slm_web.tokenizers import from_json

SOME_TEXTS = [*prose_lines()[:600], *prose_paragraphs()[:40], *nasty_lines()]


def _with(spec: dict[str, Any], **parts: Any) -> dict[str, Any]:
    out = copy.deepcopy(spec)
    for key, value in parts.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key].update(value)
        else:
            out[key] = value
    return out


def test_minilm_wordpiece_matches_hf_on_all_texts(minilm_spec: dict[str, Any]) -> None:
    texts = all_texts()
    assert len(texts) > 4000
    assert mismatches(minilm_spec, texts) == []


@pytest.mark.parametrize("flags", [
    {"lowercase": False, "strip_accents": None},  # cased BERT: no accent stripping either
    {"lowercase": False, "strip_accents": True},
    {"lowercase": True, "strip_accents": False},
    {"clean_text": False, "handle_chinese_chars": False},
])
def test_bert_normalizer_options_match_hf(minilm_spec: dict[str, Any], flags: dict[str, Any]) -> None:
    assert mismatches(_with(minilm_spec, normalizer=flags), SOME_TEXTS) == []


def test_added_token_options_match_hf(minilm_spec: dict[str, Any]) -> None:
    """lstrip/rstrip swallow neighbouring spaces; ``normalized`` tokens match the normalized text."""
    spec = copy.deepcopy(minilm_spec)
    for token in spec["added_tokens"]:
        if token["content"] == "[MASK]":
            token.update(lstrip=True, rstrip=True)
    spec["added_tokens"].append({"id": 30522, "content": "Café 北", "single_word": False, "lstrip": False,
                                 "rstrip": False, "normalized": True, "special": False})
    texts = ["a [MASK] b", "  [MASK]  ", "[MASK][MASK]", "CAFÉ 北 Café 北", "xcafe  北 y", "cafe 北"]
    assert mismatches(spec, [*texts, *SOME_TEXTS[-200:]]) == []
    tok, hf = from_json(spec), hf_from_spec(spec)
    for token in ["Café 北", "cafe  北 ", "[MASK]"]:
        assert tok.token_to_id(token) == hf.token_to_id(token)
    assert tok.id_to_token(30522) == hf.id_to_token(30522)


def test_bert_processing_matches_hf(minilm_spec: dict[str, Any]) -> None:
    bert = {"type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]}
    spec = _with(minilm_spec, post_processor=bert)
    assert mismatches(spec, SOME_TEXTS[-300:]) == []


def test_wordpiece_without_special_tokens_matches_hf(minilm_spec: dict[str, Any]) -> None:
    assert mismatches(minilm_spec, SOME_TEXTS, add_special_tokens=False) == []


@pytest.mark.parametrize("max_length", [2, 3, 16])
def test_wordpiece_truncation_matches_hf(minilm_spec: dict[str, Any], max_length: int) -> None:
    assert mismatches(minilm_spec, SOME_TEXTS, max_length=max_length) == []


def test_trained_byte_level_bpe_matches_hf_on_all_texts(bpe_spec: dict[str, Any]) -> None:
    assert bpe_spec["model"]["type"] == "BPE" and bpe_spec["pre_tokenizer"]["type"] == "ByteLevel"
    assert mismatches(bpe_spec, all_texts()) == []


_BYTE_LEVEL = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
_EOS = {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [0], "tokens": ["<|endoftext|>"]}}
BPE_VARIANTS = {
    "prefix-space": {"pre_tokenizer": _BYTE_LEVEL},
    "trim-offsets": {"post_processor": {**_BYTE_LEVEL, "add_prefix_space": False}},
    "prefix-space+trim-offsets": {"pre_tokenizer": _BYTE_LEVEL, "post_processor": _BYTE_LEVEL},
    "roberta": {"pre_tokenizer": _BYTE_LEVEL, "post_processor": {
        "type": "RobertaProcessing", "sep": ["<|endoftext|>", 0], "cls": ["<|endoftext|>", 0],
        "trim_offsets": True, "add_prefix_space": True}},
    "eos-template": {"post_processor": {
        "type": "TemplateProcessing", "pair": [], "special_tokens": _EOS,
        "single": [
            {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
        ],
    }},
    "lowercase": {"normalizer": {"type": "Lowercase"}},
    "sequences": {
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "Lowercase"}, {"type": "StripAccents"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [_BYTE_LEVEL]},
    },
    "no-split-pattern": {"pre_tokenizer": {**_BYTE_LEVEL, "add_prefix_space": False, "use_regex": False}},
}


@pytest.mark.parametrize("variant", BPE_VARIANTS)
def test_byte_level_bpe_options_match_hf(bpe_spec: dict[str, Any], variant: str) -> None:
    spec = copy.deepcopy(bpe_spec)
    spec.update(copy.deepcopy(BPE_VARIANTS[variant]))
    assert mismatches(spec, SOME_TEXTS) == []
    assert mismatches(spec, SOME_TEXTS[:200], max_length=8) == []


@pytest.mark.parametrize("spec_name", ["minilm_spec", "bpe_spec"])
def test_pre_tokenize_gives_the_words_word_ids_count(spec_name: str, request: pytest.FixtureRequest) -> None:
    """Each word's span is the span of its tokens (no offset trimming in these two tokenizers)."""
    tok = from_json(request.getfixturevalue(spec_name))
    for text in SOME_TEXTS:
        words = tok.pre_tokenize(text)
        enc = tok.encode(text, add_special_tokens=False)
        spans: dict[int, tuple[int, int]] = {}
        for word_id, (start, end) in zip(enc.word_ids, enc.offsets, strict=True):
            assert word_id is not None
            lo, hi = spans.get(word_id, (start, end))
            spans[word_id] = (min(lo, start), max(hi, end))
        assert spans == {i: span for i, (_, span) in enumerate(words) if i in spans}, text
        assert all(word == text[s:e] for word, (s, e) in words)
