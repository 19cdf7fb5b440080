"""A reduced WordPiece vocabulary that the converter's pruning reproduces exactly.

Training tokenizes with a *restricted* copy of MiniLM's tokenizer (same ids, fewer pieces), so that the
pruned bundle tokenizes every text exactly as the model saw text in training. The kept set is a fixed
point: it is the union of the pieces of the words whose every piece is among the most frequent ones, plus
all single characters (so any word can still be spelled). ``corpus_words`` are those words: fed to
``converter.prune.prune_checkpoint`` as the corpus, they make it keep exactly this set.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer

SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def load(path: Path) -> Tokenizer:
    """A tokenizer.json with padding and truncation off."""
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.no_truncation()
    return tok


def _single_chars(vocab: dict[str, int]) -> set[str]:
    return {t for t in vocab if len(t) == 1 or (t.startswith("##") and len(t) == 3)}


def choose(tokenizer_json: Path, texts: Iterable[str], size: int) -> tuple[set[str], list[str]]:
    """(kept pieces, corpus words) for a vocabulary of about ``size`` pieces (fewer after the fixed point)."""
    full = load(tokenizer_json)
    vocab = full.get_vocab()
    word_counts: Counter[str] = Counter()
    for text in texts:
        word_counts.update(re.findall(r"\w+|[^\w\s]", text.lower()))
    pieces_of = {w: full.encode(w, add_special_tokens=False).tokens for w in word_counts}
    piece_counts: Counter[str] = Counter()
    for w, n in word_counts.items():
        for p in pieces_of[w]:
            piece_counts[p] += n
    base = set(SPECIALS) | _single_chars(vocab)
    top = base | {p for p, _ in piece_counts.most_common(max(0, size - len(base)))}
    words = sorted(w for w, ps in pieces_of.items() if set(ps) <= top)
    kept = base | {p for w in words for p in pieces_of[w]}
    return kept, words


def restricted(tokenizer_json: Path, kept: set[str]) -> Tokenizer:
    """MiniLM's tokenizer limited to ``kept`` pieces, with the original ids."""
    data = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    data["model"]["vocab"] = {t: i for t, i in data["model"]["vocab"].items() if t in kept}
    data["padding"] = data["truncation"] = None
    return Tokenizer.from_str(json.dumps(data))
