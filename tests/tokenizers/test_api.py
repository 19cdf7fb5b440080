"""The tokenizer API the runtime and the converter rely on: loading, vocabulary, errors, odd input."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
from tokenizer_parity import hf_from_spec

from slm_web.errors import InputTextError
from slm_web.tokenizers import Encoding, from_json


def test_from_json_takes_text_bytes_or_dict(minilm_spec: dict[str, Any]) -> None:
    text = json.dumps(minilm_spec)
    ids = [from_json(src).encode("Hello there!").ids for src in (text, text.encode(), minilm_spec)]
    assert ids[0] == ids[1] == ids[2] == [101, 7592, 2045, 999, 102]


def test_vocabulary_lookups_match_hf(minilm_spec: dict[str, Any], bpe_spec: dict[str, Any]) -> None:
    for spec, kind in ((minilm_spec, "wordpiece"), (bpe_spec, "bpe")):
        tok, hf = from_json(spec), hf_from_spec(spec)
        assert tok.kind == kind
        assert tok.vocab_size == hf.get_vocab_size()
        for token in ["[CLS]", "[MASK]", "hello", "##ing", "<|endoftext|>", "Ġthe", "no-such-token"]:
            assert tok.token_to_id(token) == hf.token_to_id(token), token
        for i in [0, 1, 100, 101, 1999, 30521, 30522, 10**6]:
            assert tok.id_to_token(i) == hf.id_to_token(i), i


def test_special_ids(minilm_spec: dict[str, Any], bpe_spec: dict[str, Any]) -> None:
    assert from_json(minilm_spec).special_ids == {"cls": 101, "sep": 102, "pad": 0, "unk": 100, "mask": 103}
    assert from_json(bpe_spec).special_ids == {"eos": 0, "pad": 0}  # GPT-2 pads with end-of-text


@pytest.mark.parametrize(("path", "value", "named"), [
    (("model", "type"), "Unigram", "model 'Unigram'"),
    (("normalizer",), {"type": "NFC"}, "normalizer 'NFC'"),
    (("pre_tokenizer",), {"type": "Metaspace"}, "pre_tokenizer 'Metaspace'"),
    (("post_processor",), {"type": "Bogus"}, "post_processor 'Bogus'"),
    (("decoder",), {"type": "Metaspace"}, "decoder 'Metaspace'"),
    (("added_tokens", 0, "single_word"), True, "single_word"),
])
def test_unsupported_components_are_refused_by_name(
    minilm_spec: dict[str, Any], path: tuple, value: Any, named: str
) -> None:
    spec = copy.deepcopy(minilm_spec)
    node = spec
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValueError, match=named):
        from_json(spec)


def test_bpe_dropout_is_refused(bpe_spec: dict[str, Any]) -> None:
    spec = copy.deepcopy(bpe_spec)
    spec["model"]["dropout"] = 0.1
    with pytest.raises(ValueError, match="dropout"):
        from_json(spec)


def test_lone_surrogates_read_as_replacement_characters(bpe_spec: dict[str, Any]) -> None:
    tok = from_json(bpe_spec)
    text = "ab\ud800cd \udfffe"
    enc = tok.encode(text)
    assert enc.ids == tok.encode(text.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd")).ids
    assert (2, 3) in enc.offsets  # the surrogate keeps its own position in the original text
    assert tok.decode(enc.ids) == "ab\ufffdcd \ufffde"


def test_bad_arguments_raise_value_errors(minilm_spec: dict[str, Any]) -> None:
    tok = from_json(minilm_spec)
    with pytest.raises(InputTextError):
        tok.encode(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_length"):
        tok.encode("hello", max_length=1)


def test_batch_and_dict_forms(minilm_spec: dict[str, Any]) -> None:
    tok = from_json(minilm_spec)
    texts = ["Hello [MASK]!", "", "北京"]
    batch = tok.encode_batch(texts, max_length=4)
    assert batch == [tok.encode(t, max_length=4) for t in texts]
    assert isinstance(batch[0], Encoding) and len(batch[0]) == 4
    assert json.loads(json.dumps(batch[0].to_dict()))["word_ids"] == [None, 0, 1, None]
    assert tok.decode(batch[0].ids) == "hello"
    assert tok.decode(batch[0].ids, skip_special_tokens=False) == "[CLS] hello [MASK] [SEP]"


def test_a_megabyte_of_text_with_max_length_is_quick(
    minilm_spec: dict[str, Any], bpe_spec: dict[str, Any]
) -> None:
    text = "All work and no play makes Jack a dull boy. " * 24_000
    for spec in (minilm_spec, bpe_spec):
        tok = from_json(spec)
        start = time.perf_counter()
        enc = tok.encode(text, max_length=128)
        assert len(enc) == 128
        assert time.perf_counter() - start < 30  # a hang guard, not a benchmark: the machine is shared
