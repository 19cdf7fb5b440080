"""Fixtures of the tokenizer tests: the MiniLM WordPiece tokenizer and a byte-level BPE trained here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tokenizer_corpus, tokenizer_parity

from tokenizer_corpus import DATA, prose_lines


@pytest.fixture(scope="session")
def minilm_spec() -> dict[str, Any]:
    return json.loads((DATA / "minilm-tokenizer.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def bpe_spec() -> dict[str, Any]:
    """A GPT-2-style byte-level BPE (vocabulary 2000) trained on the prose in a second or two."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=2000, special_tokens=["<|endoftext|>"], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(prose_lines(), trainer)
    return json.loads(tok.to_str())
