"""The tokenizer: added tokens -> normalizer -> pre-tokenizer -> model -> post-processor, as HF runs them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .. import timing
from ..errors import InputTextError
from .added_tokens import AddedVocabulary
from .bpe import BPE
from .decoders import build_decoder
from .encoding import Encoding
from .models import Model, invert
from .normalizers import build_normalizer
from .pieces import Piece
from .post_processors import build_post_processor
from .pre_tokenizers import build_pre_tokenizer
from .wordpiece import WordPiece

_MODELS: dict[str, tuple[str, type]] = {"WordPiece": ("wordpiece", WordPiece), "BPE": ("bpe", BPE)}

# Roles of well-known special tokens, for ``special_ids`` (the bundle manifest's ``tokenizer.special_ids``).
_ROLES = {
    "[CLS]": "cls", "[SEP]": "sep", "[PAD]": "pad", "[UNK]": "unk", "[MASK]": "mask",
    "<s>": "bos", "</s>": "eos", "<|endoftext|>": "eos", "<pad>": "pad", "<unk>": "unk", "<mask>": "mask",
}

_SURROGATE = re.compile("[\ud800-\udfff]")


class Tokenizer:
    """A HF tokenizer.json run in pure Python, giving the ids, offsets and decoding HF ``tokenizers`` gives.

    Build one with :func:`slm_web.tokenizers.from_json`. The json's ``truncation`` and ``padding``
    settings are ignored: callers pass ``max_length`` and pad themselves.

    Input text: lone surrogates (which HF cannot take at all) are read as U+FFFD, one character for
    one, so offsets still index the text as given. Everything else is passed on as HF would.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        model_spec = spec.get("model") or {}
        if model_spec.get("type") not in _MODELS:
            raise ValueError(f"unsupported tokenizer component: model {model_spec.get('type')!r}")
        self.kind, model_class = _MODELS[model_spec["type"]]
        self.model: Model = model_class(model_spec)
        self.normalizer = build_normalizer(spec.get("normalizer"))
        self.pre_tokenizer = build_pre_tokenizer(spec.get("pre_tokenizer"))
        self.post_processor = build_post_processor(spec.get("post_processor"))
        self.decoder = build_decoder(spec.get("decoder"))
        self.added = AddedVocabulary(spec.get("added_tokens") or [], self.normalizer)
        self._id_to_token = invert(self.model.vocab)

    # -- vocabulary -------------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """Rows an embedding needs: the largest id (model vocabulary or added token) plus one."""
        return max([*self.model.vocab.values(), *self.added.by_id, -1]) + 1

    @property
    def special_ids(self) -> dict[str, int]:
        """Ids of special tokens by role (``cls``, ``sep``, ``pad``, ``unk``, ``mask``, ``bos``, ``eos``),
        for those the tokenizer has; ``pad`` falls back to ``eos`` (the GPT-2 convention)."""
        out = {}
        for content, role in _ROLES.items():
            token_id = self.token_to_id(content)
            if token_id is not None and role not in out:
                out[role] = token_id
        if "pad" not in out and "eos" in out:
            out["pad"] = out["eos"]
        return out

    def token_to_id(self, token: str) -> int | None:
        """Id of a token (added tokens first, as in HF), ``None`` if unknown."""
        added = self.added.by_content.get(token)
        return added.id if added is not None else self.model.vocab.get(token)

    def id_to_token(self, token_id: int) -> str | None:
        """Token of an id (added tokens first, as in HF), ``None`` if unknown."""
        added = self.added.text_by_id.get(token_id)
        return added if added is not None else self._id_to_token.get(token_id)

    # -- encoding ---------------------------------------------------------------------------------

    def _words(self, text: str) -> Iterator[Piece]:
        """Words and added tokens of ``text`` in order (lazily): the units ``word_ids`` count."""
        if not isinstance(text, str):
            raise InputTextError(f"text must be a str, not {type(text).__name__}")
        if not text.isascii():
            text = _SURROGATE.sub("\ufffd", text)
        for piece in self.added.split_raw(Piece(text)):
            if piece.token_id is not None:
                yield piece
                continue
            if self.normalizer is not None:
                piece = self.normalizer.normalize(piece)
            for part in self.added.split_normalized(piece):
                if part.token_id is not None:
                    yield part
                else:
                    yield from self.pre_tokenizer.split(part)

    def pre_tokenize(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Words of ``text`` as ``(text[start:end], (start, end))``, in the order ``word_ids`` number them.

        A word is what the pre-tokenizer cuts out of the normalized text (for BERT: a run between spaces
        and punctuation, or one punctuation mark; for GPT-2: a run with its leading space), or an added
        token found in the text. Offsets are character offsets into ``text``.
        """
        out = []
        for word in self._words(text):
            start, end = word.span()
            out.append((text[start:end], (start, end)))
        return out

    def encode(self, text: str, add_special_tokens: bool = True, max_length: int | None = None) -> Encoding:
        """Token ids, tokens, character offsets and word ids of ``text``.

        ``max_length`` (special tokens included) keeps the first tokens of a longer text, as HF's
        truncation does; ``ValueError`` if it leaves no room for the text.
        """
        timing.mark(timing.TASK_CODE)
        room = None
        if max_length is not None:
            room = max_length - (self.post_processor.added if add_special_tokens else 0)
            if room < 0:
                raise ValueError(f"max_length {max_length} leaves no room for the special tokens")
        enc = Encoding()
        for index, word in enumerate(self._words(text)):
            if room is not None and len(enc.ids) >= room:
                break  # truncation keeps the first tokens: the rest need not be computed
            if word.token_id is not None:
                enc.ids.append(word.token_id)
                enc.tokens.append(word.text)
                enc.offsets.append(word.span())
                enc.word_ids.append(index)
                continue
            for token_id, token, start, end in self.model.tokenize(word.text):
                enc.ids.append(token_id)
                enc.tokens.append(token)
                enc.offsets.append(word.span(start, end))
                enc.word_ids.append(index)
        if room is not None:
            enc = Encoding(enc.ids[:room], enc.offsets[:room], enc.word_ids[:room], enc.tokens[:room])
        enc = self.post_processor.process(enc, add_special_tokens)
        timing.mark("tokenize")
        return enc

    def encode_batch(
        self, texts: list[str], add_special_tokens: bool = True, max_length: int | None = None
    ) -> list[Encoding]:
        """:meth:`encode` for each text."""
        return [self.encode(t, add_special_tokens, max_length) for t in texts]

    # -- decoding ---------------------------------------------------------------------------------

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        """Text of token ids, through the tokenizer's decoder; unknown ids are skipped, as in HF."""
        tokens = []
        for token_id in ids:
            if skip_special_tokens and self.added.is_special(token_id):
                continue
            token = self.id_to_token(token_id)
            if token is not None:
                tokens.append(token)
        return self.decoder(tokens)


def from_json(tokenizer_json: str | bytes | dict[str, Any]) -> Tokenizer:
    """A :class:`Tokenizer` from the text (or parsed dict) of a HF tokenizer.json.

    ``ValueError`` naming the component if the file uses a feature this package does not reproduce
    exactly (the converter refuses such tokenizers).
    """
    spec = tokenizer_json if isinstance(tokenizer_json, dict) else json.loads(tokenizer_json)
    return Tokenizer(spec)
