"""Vocabulary pruning: keep only the tokens a corpus uses (plus specials and single characters).

For a vocabulary-dominated student (MiniLM: 30,522 x 384 embedding rows) this is the largest shrink there
is. WordPiece is greedy longest-match-first, so dropping pieces the corpus never produced cannot change how
the corpus tokenizes: the result is checked anyway. Keeping every single character (``a`` and ``##a``)
means unseen words still split into pieces instead of becoming [UNK].
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .checkpoint import WEIGHT_FILES, load_checkpoint
from .errors import ConvertError

# Files rewritten by pruning; everything else in the checkpoint folder is copied as is.
REWRITTEN = {"config.json", "tokenizer.json", *WEIGHT_FILES}


def _corpus_lines(files: Iterable[str | Path]) -> list[str]:
    lines: list[str] = []
    for path in files:
        try:
            lines += [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError) as e:
            reason = getattr(e, "strerror", None) or e
            raise ConvertError(f"cannot read corpus file {path}: {reason}") from None
    if not lines:
        raise ConvertError("the vocabulary corpus is empty")
    return lines


def _is_single_char(token: str) -> bool:
    return len(token) == 1 or (token.startswith("##") and len(token) == 3)


def _remap_tokenizer(tokenizer: dict[str, Any], old_to_new: dict[int, int]) -> dict[str, Any]:
    """tokenizer.json with the kept vocabulary renumbered everywhere an id appears."""
    out = copy.deepcopy(tokenizer)
    vocab = out["model"]["vocab"]
    out["model"]["vocab"] = {tok: old_to_new[i] for tok, i in vocab.items() if i in old_to_new}
    for added in out.get("added_tokens") or []:
        added["id"] = old_to_new[added["id"]]
    post = out.get("post_processor") or {}
    for processor in [post, *(post.get("processors") or [])]:
        for special in (processor.get("special_tokens") or {}).values():  # TemplateProcessing
            special["ids"] = [old_to_new[i] for i in special["ids"]]
        for key in ("cls", "sep"):  # BertProcessing: [token, id]
            if isinstance(processor.get(key), list):
                processor[key][1] = old_to_new[processor[key][1]]
    if out.get("padding"):
        out["padding"]["pad_id"] = old_to_new[out["padding"]["pad_id"]]
    return out


def prune_checkpoint(
    src_dir: str | Path, corpus_files: Iterable[str | Path], out_dir: str | Path
) -> dict[str, int]:
    """Write a copy of the WordPiece checkpoint ``src_dir`` to ``out_dir`` with a pruned vocabulary.

    Keeps the special (added) tokens, every single-character piece and every token the corpus uses; remaps
    the embedding rows (every tensor whose first dimension is the vocabulary size) and tokenizer.json, and
    updates config.json's ``vocab_size``. Returns counts: ``old_vocab``, ``new_vocab``, ``corpus_tokens``.
    """
    import torch
    from safetensors.torch import save_file
    from tokenizers import Tokenizer

    src, out = Path(src_dir), Path(out_dir)
    checkpoint = load_checkpoint(src)
    model_type = (checkpoint.tokenizer.get("model") or {}).get("type")
    if model_type != "WordPiece":
        raise ConvertError(
            f"vocabulary pruning needs a WordPiece tokenizer, not {model_type}: a byte-level BPE vocabulary "
            "is tied to its merge table, so removing tokens would change how text splits"
        )
    lines = _corpus_lines(corpus_files)
    reference = Tokenizer.from_str(json.dumps(checkpoint.tokenizer))
    reference.no_padding()
    reference.no_truncation()
    encoded = [e.ids for e in reference.encode_batch(lines)]
    vocab = checkpoint.tokenizer["model"]["vocab"]
    specials = {t["id"] for t in checkpoint.tokenizer.get("added_tokens") or []}
    used = {i for ids in encoded for i in ids}
    keep = sorted(specials | used | {i for tok, i in vocab.items() if _is_single_char(tok)})
    old_size = int(checkpoint.config.get("vocab_size") or max(vocab.values()) + 1)
    old_to_new = {old: new for new, old in enumerate(keep)}
    index = torch.tensor(keep, dtype=torch.long)

    state = _load_raw_state(checkpoint.weights_file)
    by_vocab = {name for name, t in state.items() if t.dim() >= 1 and t.shape[0] == old_size}
    if not by_vocab:
        raise ConvertError(f"no weight has the vocabulary size {old_size} as first dimension: cannot prune")
    pruned = {name: t.index_select(0, index) if name in by_vocab else t for name, t in state.items()}
    tokenizer = _remap_tokenizer(checkpoint.tokenizer, old_to_new)
    _check_same_tokenization(tokenizer, lines, encoded, old_to_new)

    out.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.is_file() and item.name not in REWRITTEN:
            shutil.copy2(item, out / item.name)
    save_file(pruned, out / "model.safetensors")
    config = {**checkpoint.config, "vocab_size": len(keep)}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    return {"old_vocab": old_size, "new_vocab": len(keep), "corpus_tokens": len(used)}


def _load_raw_state(path: Path) -> dict[str, Any]:
    """The weights in their stored dtype (fp16 stays fp16), tied tensors made independent for saving."""
    import torch
    from safetensors.torch import load_file

    state = load_file(path) if path.suffix == ".safetensors" else torch.load(path, weights_only=True)
    return {name: t.clone() for name, t in state.items()}


def _check_same_tokenization(
    tokenizer: dict[str, Any], lines: list[str], encoded: list[list[int]], old_to_new: dict[int, int]
) -> None:
    from tokenizers import Tokenizer

    pruned = Tokenizer.from_str(json.dumps(tokenizer))
    pruned.no_padding()
    pruned.no_truncation()
    for line, before, after in zip(lines, encoded, pruned.encode_batch(lines), strict=True):
        if [old_to_new[i] for i in before] != after.ids:
            raise ConvertError(f"pruning changed how {line[:60]!r} tokenizes; please report this")
