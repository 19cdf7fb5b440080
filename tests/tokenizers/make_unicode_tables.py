"""Regenerate ``slm_web/tokenizers/unicode_data.py`` by probing HF ``tokenizers`` on every code point.

HF ``tokenizers`` classifies characters with its own Unicode tables (Rust std, the ``unicode_categories``
and ``unicode-normalization-alignments`` crates, Oniguruma), which are of other Unicode versions than
Python's ``unicodedata`` (14.0 in CPython 3.11, 16.0 in Pyodide's 3.14). So the pure-Python tokenizer
does not ask ``unicodedata`` at all: it reads these probed tables, and gives the same answer on both.

Run: ``.venv/bin/python tests/tokenizers/make_unicode_tables.py`` (about 10 s). ``test_unicode_tables.py``
checks that the committed file still matches the installed ``tokenizers``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import tokenizers
from tokenizers import Regex, normalizers, pre_tokenizers

OUT = Path(__file__).resolve().parents[2] / "slm_web" / "tokenizers" / "unicode_data.py"
HANGUL = (0xAC00, 0xD7A3)
CODEPOINTS = [i for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]  # Rust strings cannot hold surrogates


def ranges(codepoints: list[int]) -> str:
    """Sorted code points as ``"lo-hi lo-hi ..."`` (hex), the compact form ``unicode_data`` stores."""
    out: list[list[int]] = []
    for cp in sorted(codepoints):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return " ".join(f"{lo:x}-{hi:x}" if lo != hi else f"{lo:x}" for lo, hi in out)


def regex_matches(pattern: str) -> list[int]:
    """Code points one Oniguruma pattern (as HF compiles it) matches, one character at a time."""
    text = "".join(map(chr, CODEPOINTS))
    covered = bytearray(len(text))
    for _, (start, end) in pre_tokenizers.Split(Regex(pattern), behavior="removed").pre_tokenize_str(text):
        covered[start:end] = b"\x01" * (end - start)
    return [CODEPOINTS[i] for i, c in enumerate(covered) if not c]


def bert_split_classes() -> tuple[list[int], list[int]]:
    """(whitespace, punctuation) as BertPreTokenizer sees them: "a<c>a" splits into 2, 3 or 1 pieces."""
    text = "".join(f"a{chr(cp)}a " for cp in CODEPOINTS)
    covered = {}
    for _, (start, end) in pre_tokenizers.BertPreTokenizer().pre_tokenize_str(text):
        covered[start] = end
    space, punct = [], []
    for i, cp in enumerate(CODEPOINTS):
        if covered.get(4 * i) == 4 * i + 1:  # "a" stands alone: the character split the word
            (punct if 4 * i + 1 in covered else space).append(cp)
    return space, punct


def per_char(normalizer: normalizers.Normalizer) -> dict[int, str]:
    """Code point -> output of ``normalizer`` on that character alone, where it changes it."""
    out = {}
    for cp in CODEPOINTS:
        c = chr(cp)
        got = normalizer.normalize_str(c)
        if got != c:
            out[cp] = got
    return out


def mapping(table: dict[int, str]) -> str:
    """``{cp: text}`` as ``"cp:hex,hex cp:hex ..."``."""
    return " ".join(f"{cp:x}:" + ",".join(f"{ord(c):x}" for c in text) for cp, text in sorted(table.items()))


def main() -> None:
    clean = per_char(
        normalizers.BertNormalizer(
            clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False
        )
    )
    chinese = per_char(
        normalizers.BertNormalizer(
            clean_text=False, handle_chinese_chars=True, strip_accents=False, lowercase=False
        )
    )
    bert_strip = per_char(normalizers.BertNormalizer(
        clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False))
    bert_space, bert_punct = bert_split_classes()
    tables = {
        "BERT_REMOVED": ranges([cp for cp, out in clean.items() if out == ""]),
        "BERT_TO_SPACE": ranges([cp for cp, out in clean.items() if out == " "]),
        "BERT_CHINESE": ranges(list(chinese)),
        "BERT_WHITESPACE": ranges(bert_space),
        "BERT_PUNCTUATION": ranges(bert_punct),
        # BERT strips non-spacing marks after NFD; the StripAccents normalizer strips all combining marks.
        "MARK_NONSPACING": ranges([cp for cp, out in bert_strip.items() if out == ""]),
        "COMBINING_MARK": ranges(list(per_char(normalizers.StripAccents()))),
        "REGEX_WHITESPACE": ranges(regex_matches(r"\s")),
        "REGEX_LETTER": ranges(regex_matches(r"\p{L}")),
        "REGEX_NUMBER": ranges(regex_matches(r"\p{N}")),
        # Hangul syllables decompose by arithmetic (normalizers.py), so the table leaves them out.
        "NFD": mapping(
            {cp: out for cp, out in per_char(normalizers.NFD()).items() if not HANGUL[0] <= cp <= HANGUL[1]}
        ),
        "LOWERCASE": mapping(per_char(normalizers.Lowercase())),
    }
    odd = {cp: out for cp, out in clean.items() if out not in ("", " ")}
    if odd:
        sys.exit(f"BertNormalizer clean_text did something new: {odd}")
    lines = [
        f'"""Unicode tables of HF tokenizers {tokenizers.__version__}, probed on every code point.',
        "",
        "Generated by tests/tokenizers/make_unicode_tables.py; do not edit. Ranges are hex ``lo-hi``",
        "(inclusive) separated by spaces; mappings are ``cp:hex,hex`` (the characters ``cp`` becomes).",
        '"""',
        "",
    ]
    for name, value in tables.items():
        lines.append(f"{name} = (")
        words = value.split(" ")
        chunk: list[str] = []
        for word in words:
            if chunk and len(" ".join([*chunk, word])) > 96:
                lines.append(f'    "{" ".join(chunk)} "')
                chunk = []
            chunk.append(word)
        lines.append(f'    "{" ".join(chunk)}"')
        lines.append(")")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
