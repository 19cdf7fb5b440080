"""Tokenization, batching and model construction shared by the sentiment teacher and student."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import torch
from tokenizers import Tokenizer
from transformers import BertConfig, BertForSequenceClassification

from students.sentiment.data import LABELS

MAX_LEN = 64
ID2LABEL = dict(enumerate(LABELS))


def load_tokenizer(folder: Path) -> Tokenizer:
    """The folder's tokenizer.json with truncation at MAX_LEN and no padding (batches pad themselves)."""
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LEN)
    return tok


def encode(tok: Tokenizer, texts: list[str]) -> list[list[int]]:
    return [enc.ids for enc in tok.encode_batch(texts)]


def collate(seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad with id 0 ([PAD] in the MiniLM vocabulary) to the longest sequence in the batch."""
    width = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), width, dtype=torch.long)
    mask = torch.zeros(len(seqs), width, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids, mask


def epoch_batches(lengths: list[int], batch: int, seed: int) -> list[list[int]]:
    """Shuffled batches of similar lengths (less padding = faster on CPU), fixed by ``seed``."""
    rng = random.Random(seed)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch * 50
    batches = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lengths.__getitem__)
        batches += [part[i : i + batch] for i in range(0, len(part), batch)]
    rng.shuffle(batches)
    return batches


def sorted_batches(seqs: list[list[int]], batch: int) -> Iterator[list[int]]:
    """Index batches in length order for inference (the caller restores the original order)."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    for i in range(0, len(order), batch):
        yield order[i : i + batch]


@torch.no_grad()
def predict_logits(model: torch.nn.Module, seqs: list[list[int]], batch: int = 128) -> torch.Tensor:
    model.eval()
    out = torch.empty(len(seqs), len(LABELS))
    for idx in sorted_batches(seqs, batch):
        ids, mask = collate([seqs[i] for i in idx])
        out[idx] = model(input_ids=ids, attention_mask=mask).logits.float()
    return out


def accuracy(logits: torch.Tensor, labels: list[int]) -> float:
    return (logits.argmax(-1) == torch.tensor(labels)).float().mean().item()


def classifier_from(folder: Path, num_layers: int | None = None) -> BertForSequenceClassification:
    """A BERT sequence classifier from ``folder``, optionally keeping only the lower ``num_layers`` layers.

    Loading a smaller ``num_hidden_layers`` makes transformers take layers 0..n-1 and skip the rest.
    """
    config = BertConfig.from_pretrained(folder)
    config.num_labels = len(LABELS)
    config.id2label = ID2LABEL
    config.label2id = {v: k for k, v in ID2LABEL.items()}
    config.architectures = ["BertForSequenceClassification"]
    if num_layers is not None:
        config.num_hidden_layers = num_layers
    return BertForSequenceClassification.from_pretrained(folder, config=config)
