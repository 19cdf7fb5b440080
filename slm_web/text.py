"""Input checks shared by the tasks: type check, lone surrogates, size limits, sentence splitting.

Every task passes its input through :func:`clean` first. Cleaning never changes the length of the text, so
character offsets computed on the cleaned text (grammar edits, autocomplete inserts) are valid offsets into
the caller's original string.

Limits (all enforced in bounded time, whatever the input size):

- sentiment reads only the head of a text (:func:`head`): ``max_length`` tokens rarely need more than
  ``max_length * CHARS_PER_TOKEN`` characters after leading whitespace;
- autocomplete reads only the tail of a text (:func:`tail_start`): it runs on every keystroke, so it reads
  ``max_positions * 6`` characters (English BPE averages 4-5 per token) rather than a strict bound;
- grammar corrects at most :data:`MAX_CORRECT_CHARS` characters per call and refuses longer texts with an
  :class:`~slm_web.errors.InputTextError` (split the text and call again); texts are split into sentences of
  at most :data:`MAX_SENTENCE_CHARS` characters (:func:`split_sentences`).
"""

from __future__ import annotations

import re
import unicodedata

from .errors import InputTextError

# A generous bound on characters per token: WordPiece and byte-level BPE tokens rarely exceed ~10 characters,
# and a longer "word" becomes a single [UNK] or is cut anyway. Used only to bound how much text is tokenized.
CHARS_PER_TOKEN = 32
# Grammar correction tags every sentence in up to three passes, and its time grows with the text (20,000
# characters, ~10 pages, takes seconds natively and several times that in the browser: bench/ANALYSIS.md).
# Longer texts are refused rather than tie up the worker.
MAX_CORRECT_CHARS = 20_000
# A "sentence" with no terminal punctuation (a pasted log line, a list) is cut at whitespace below this, so
# one sentence always fits a 128-token model call.
MAX_SENTENCE_CHARS = 400

_SURROGATE = re.compile("[\ud800-\udfff]")
# A sentence ends after terminal punctuation (with any closing quotes/brackets) followed by whitespace, or at
# a line break. Abbreviations like "Mr." split a sentence in two, which only costs the tagger some context.
_SENTENCE_END = re.compile(r"""[.!?…]+['"’”)\]]*(?=\s)|\n""")
_SPACE = re.compile(r"\s+")
_WORD_PUNCT = frozenset("'’-_")


def is_word_char(ch: str) -> bool:
    """Letters, digits, combining marks and in-word punctuation (don't, well-known) continue a word."""
    return ch.isalnum() or ch in _WORD_PUNCT or unicodedata.category(ch).startswith("M")


def clean(text: object, what: str = "text") -> str:
    """Check that ``text`` is a ``str`` and replace lone surrogates by U+FFFD, keeping the length.

    >>> clean("caf\\u00e9 \\ud83d!")
    'café \\ufffd!'
    >>> clean(b"bytes")
    Traceback (most recent call last):
    ...
    slm_web.errors.InputTextError: text must be a str, not bytes
    """
    if not isinstance(text, str):
        raise InputTextError(f"{what} must be a str, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # only lone surrogates fail to encode; fix them one-for-one
        return _SURROGATE.sub("\ufffd", text)
    return text


def require_content(text: str, what: str = "text") -> None:
    """Refuse empty and whitespace-only text (for tasks that have nothing sensible to return for it)."""
    if not text.strip():
        raise InputTextError(f"{what} is empty" if not text else f"{what} is only whitespace")


def head(text: str, max_tokens: int) -> str:
    """The start of ``text`` that can hold ``max_tokens`` tokens (leading whitespace skipped).

    >>> head("   a long text", 2)
    'a long text'
    """
    start = len(text) - len(text.lstrip())
    return text[start : start + max_tokens * CHARS_PER_TOKEN]


def tail_start(text: str, max_tokens: int, chars_per_token: int = CHARS_PER_TOKEN) -> int:
    """Where the end of ``text`` that can hold ``max_tokens`` tokens starts (trailing whitespace kept)."""
    end = len(text.rstrip())
    return max(0, end - max_tokens * chars_per_token)


def check_correct_length(text: str) -> None:
    if len(text) > MAX_CORRECT_CHARS:
        raise InputTextError(
            f"text is {len(text)} characters; grammar correction takes at most {MAX_CORRECT_CHARS} per call "
            "(split it, e.g. by paragraph)"
        )


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, without surrounding whitespace, each ≤ ``max_chars``.

    >>> t = "Hello there. How are you?\\nFine"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['Hello there.', 'How are you?', 'Fine']
    """
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.extend(_trimmed_chunks(text, start, m.end(), max_chars))
        start = m.end()
    spans.extend(_trimmed_chunks(text, start, len(text), max_chars))
    return spans


def _trimmed_chunks(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """``text[start:end]`` without outer whitespace, cut at whitespace into pieces of ≤ ``max_chars``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    chunks = []
    while end - start > max_chars:
        cut = start + max_chars
        space = _last_space(text, start, cut)
        piece_end = space if space > start else cut  # no whitespace at all: hard cut
        chunks.append((start, piece_end))
        start = piece_end
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        chunks.append((start, end))
    return chunks


def _last_space(text: str, start: int, end: int) -> int:
    """Start of the last whitespace run in ``text[start:end]``, or -1."""
    last = -1
    for m in _SPACE.finditer(text, start, end):
        last = m.start()
    return last
