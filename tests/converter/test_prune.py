"""Vocabulary pruning keeps the corpus's token sequences and the model's outputs, and shrinks the bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from fixtures.checkpoints import MINILM_TOKENIZER, encoder_checkpoint
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

from converter.__main__ import main
from converter.build import build_module
from converter.checkpoint import load_checkpoint
from converter.errors import ConvertError
from converter.pipeline import Options, convert
from converter.prune import prune_checkpoint
from slm_web.bundle import read_bundle

CORPUS = [
    "I absolutely loved this movie, the acting was wonderful.",
    "The service was slow and the food arrived cold.",
    "kalomi nesu taripo are great words",
]


@pytest.fixture(scope="module")
def big_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A WordPiece checkpoint with a vocabulary much larger than the corpus needs, stored in fp16."""
    ckpt = encoder_checkpoint(tmp_path_factory.mktemp("big"), "grammar", vocab_size=3000, filler=2000)
    state = load_file(ckpt / "model.safetensors")
    save_file({k: v.half() for k, v in state.items()}, ckpt / "model.safetensors")
    return ckpt


def _tokens(folder: Path, text: str) -> tuple[list[str], list[int]]:
    enc = Tokenizer.from_file(str(folder / "tokenizer.json")).encode(text)
    return enc.tokens, enc.ids


def test_prune_keeps_sequences_and_outputs(big_checkpoint: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS))
    out = tmp_path / "pruned"
    stats = prune_checkpoint(big_checkpoint, [corpus], out)
    assert stats["new_vocab"] < stats["old_vocab"] / 2
    assert json.loads((out / "config.json").read_text())["vocab_size"] == stats["new_vocab"]
    assert (out / "slm_task.json").is_file()  # other files are carried over
    assert (
        load_file(out / "model.safetensors")["bert.embeddings.word_embeddings.weight"].dtype == torch.float16
    )

    old_vocab = Tokenizer.from_file(str(big_checkpoint / "tokenizer.json")).get_vocab()
    new_vocab = Tokenizer.from_file(str(out / "tokenizer.json")).get_vocab()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert all(t in new_vocab for t in special)
    assert all(t in new_vocab for t in old_vocab if len(t) == 1 or (t.startswith("##") and len(t) == 3))
    assert [new_vocab[t] for t in special] == sorted(new_vocab[t] for t in special)  # order preserved

    before, after = (
        build_module(load_checkpoint(big_checkpoint), "grammar")[0],
        build_module(load_checkpoint(out), "grammar")[0],
    )
    for text in CORPUS:
        (tokens_before, ids_before), (tokens_after, ids_after) = (
            _tokens(big_checkpoint, text),
            _tokens(out, text),
        )
        assert tokens_after == tokens_before
        assert ids_after != ids_before  # renumbered...
        with torch.no_grad():  # ...and the embedding rows moved with them
            a = before(torch.tensor([ids_before]), torch.ones(1, len(ids_before), dtype=torch.long))
            b = after(torch.tensor([ids_after]), torch.ones(1, len(ids_after), dtype=torch.long))
        torch.testing.assert_close(a, b)


def test_convert_with_vocab_corpus(big_checkpoint: Path, tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS))
    full, pruned = tmp_path / "full.slm", tmp_path / "pruned.slm"
    # A random tagger's near-tied tags: see tests/conftest.py for the agreement such models reach.
    convert(big_checkpoint, Options(task="grammar", out=full, min_agreement=0.8))
    convert(big_checkpoint, Options(task="grammar", out=pruned, vocab_corpus=[corpus], min_agreement=0.8))
    assert pruned.stat().st_size < 0.6 * full.stat().st_size
    assert (
        read_bundle(pruned).manifest["tokenizer"]["vocab_size"]
        < read_bundle(full).manifest["tokenizer"]["vocab_size"]
    )
    assert main(["prune", str(big_checkpoint), "--corpus", str(corpus), "--out", str(tmp_path / "cli")]) == 0
    assert "vocabulary" in capsys.readouterr().out and (tmp_path / "cli" / "model.safetensors").is_file()


def test_prune_refuses_bpe_and_empty_corpus(
    autocomplete_checkpoint: Path, sentiment_checkpoint: Path, tmp_path
) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("hello\n")
    with pytest.raises(ConvertError, match="needs a WordPiece tokenizer, not BPE"):
        prune_checkpoint(autocomplete_checkpoint, [corpus], tmp_path / "out")
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(ConvertError, match="corpus is empty"):
        prune_checkpoint(sentiment_checkpoint, [tmp_path / "empty.txt"], tmp_path / "out")
    with pytest.raises(ConvertError, match="cannot read corpus file"):
        prune_checkpoint(sentiment_checkpoint, [tmp_path / "missing.txt"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_minilm_shaped_checkpoint_with_the_real_tokenizer(tmp_path: Path) -> None:
    """MiniLM geometry (384 hidden, 12 heads) and its 30,522-token vocabulary, pruned to a corpus."""
    ckpt = encoder_checkpoint(
        tmp_path / "ckpt", "sentiment", hidden=384, heads=12, layers=1, tokenizer_file=MINILM_TOKENIZER
    )
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS))
    report = convert(ckpt, Options(task="sentiment", out=tmp_path / "m.slm", vocab_corpus=[corpus]))
    assert report["tokenizer"]["vocab_size"] < 3000 < 30522
    # [PAD] [UNK] [CLS] [SEP] were ids 0, 100, 101, 102; pruning renumbers them in order
    assert report["tokenizer"]["special_ids"] == {"cls": 2, "sep": 3, "pad": 0, "unk": 1}
    assert report["validation"]["tokenizer_parity"]["status"] == "ok"
    assert report["validation"]["fp32_vs_int8"]["top1_agreement"] >= 0.98
    sizes = report["validation"]["sizes"]
    assert sizes["int8_model_bytes"] < 0.3 * sizes["fp32_model_bytes"]
