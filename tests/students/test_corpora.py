"""students.corpora: the sentence splitter, re-casing and the R serialization reader (no downloads)."""

from __future__ import annotations

import struct

from students import corpora


def test_sentences_split_at_terminators_but_not_abbreviations() -> None:
    text = 'Mr. Smith went to Washington. "He said hi!" Then he left. It cost 3 U.S. dollars. “Aye?” He went.'
    assert corpora.sentences(text) == [
        "Mr. Smith went to Washington.", '"He said hi!"', "Then he left.", "It cost 3 U.S. dollars.",
        "“Aye?”", "He went.",
    ]


def test_recase_restores_sentence_starts_and_i() -> None:
    assert corpora.recase("i'm here. is it ok? i think so") == "I'm here. Is it ok? I think so"


def _xdr_strings(names: list[str], values: list[str]) -> bytes:
    """A version-3 XDR serialization of a named character vector, as R writes it."""
    def chars(s: str) -> bytes:
        raw = s.encode()
        return struct.pack(">ii", 0x00040009, len(raw)) + raw

    head = b"X\n" + struct.pack(">iiii", 3, 0x40201, 0x30500, 5) + b"UTF-8"
    body = struct.pack(">ii", 16 | (1 << 9), len(values)) + b"".join(chars(v) for v in values)
    names_attr = (struct.pack(">i", 2 | (1 << 10)) + struct.pack(">i", 1) + chars("names")
                  + struct.pack(">ii", 16, len(names)) + b"".join(chars(n) for n in names)
                  + struct.pack(">i", 254))
    return head + body + names_attr


def test_r_reader_reads_a_named_character_vector() -> None:
    blob = _xdr_strings(["a", "b"], ["Emma Woodhouse,", "handsome, clever"])
    assert corpora._RReader(blob).read() == {"a": "Emma Woodhouse,", "b": "handsome, clever"}


def test_email_body_keeps_only_the_writers_own_prose() -> None:
    raw = (
        "From: ann@example.org\nSubject: Re: lunch\nContent-Type: text/plain\n\n"
        "Sounds good, see you at noon.\n"
        "The menu is at http://example.org/menu if you want to look.\n"
        "On Tue, Bob wrote:\n> Shall we meet for lunch?\n"
        "int main() { return 0; }\n"
        "-- \nAnn Smith, Example Corp\n"
    )
    body = corpora.email_body(raw)
    assert "Sounds good, see you at noon." in body
    assert not any(s in body for s in ("http", "wrote", "Shall we", "return 0", "Ann Smith", "Subject"))
