"""Pure-Python tokenizers that give the same ids, offsets and decoding as HF ``tokenizers``.

Runs anywhere the standard library does (CPython 3.11+, Pyodide). Reads a HF tokenizer.json::

    tok = slm_web.tokenizers.from_json(tokenizer_json)   # str, bytes or dict
    tok.kind                                              # "wordpiece" (BERT) or "bpe" (byte-level, GPT-2)
    enc = tok.encode(text, add_special_tokens=True, max_length=None)
    enc.ids, enc.offsets, enc.word_ids, enc.tokens        # offsets: Python character offsets into text
    tok.encode_batch(texts)
    tok.decode(ids, skip_special_tokens=True)
    tok.pre_tokenize(text)     # [(word, (start, end)), ...]: the units word_ids count
    tok.token_to_id(token), tok.id_to_token(i), tok.vocab_size, tok.special_ids

Supported (anything else raises ``ValueError`` naming the component): models WordPiece and BPE (no
dropout, no byte fallback); normalizers BertNormalizer, Lowercase, StripAccents and Sequence of them;
pre-tokenizers BertPreTokenizer, ByteLevel and Sequence of them; post-processors TemplateProcessing,
BertProcessing, RobertaProcessing, ByteLevel and Sequence; decoders WordPiece and ByteLevel; added
tokens with lstrip/rstrip/normalized (not single_word).

Character classes, case mapping and decomposition come from tables probed from HF ``tokenizers``
(:mod:`.unicode_data`), not from ``unicodedata``, so CPython 3.11 and Pyodide's 3.14 agree with HF.
Known gap: HF's NFD reorders runs of combining marks across characters; here each character is
decomposed on its own (identical unless a run mixes spacing and non-spacing combining marks out of
canonical order).
"""

from . import byte_level, charclass, pre_tokenizers, unicode_data
from .encoding import Encoding
from .tokenizer import Tokenizer, from_json

__all__ = ["Encoding", "Tokenizer", "build_tables", "from_json"]
_MAPPINGS = ("NFD", "LOWERCASE")


def build_tables() -> None:
    """Build now the character tables and split patterns every tokenizer otherwise builds on first use.

    ``slm_web.worker.import_all`` calls it before the bridge's memory snapshot, so that after a restore no
    first call pays for them (a cost worth skipping on a revisit: bench/ANALYSIS.md).
    """
    for name in dir(unicode_data):
        if name.isupper():
            (charclass.mapping if name in _MAPPINGS else charclass.ranges)(name)
    pre_tokenizers.bert_pattern()
    byte_level.split_pattern()
