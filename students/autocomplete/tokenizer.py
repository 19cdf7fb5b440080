"""Byte-level BPE tokenizer in the GPT-2 setup, trained on the student's training text."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from students.autocomplete.data import EOS

VOCAB_SIZE = 8192


def train_tokenizer(texts: Iterable[str], out: Path) -> Tokenizer:
    """Train and save ``tokenizer.json``; ``<|endoftext|>`` gets id 0, no normalizer/padding/truncation."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        min_frequency=2,
        special_tokens=[EOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    out.parent.mkdir(parents=True, exist_ok=True)
    tok.save(str(out))
    return tok


def load_or_train(path: Path, texts: Iterable[str]) -> Tokenizer:
    return Tokenizer.from_file(str(path)) if path.exists() else train_tokenizer(texts, path)
