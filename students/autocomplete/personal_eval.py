"""``python -m students.autocomplete.personal_eval BUNDLE``: keystroke savings with and without personal words
(slm_web.tasks.personal).

Simulated users are the SpamAssassin mailing-list authors (non-spam folders, 2002) with at least
``MIN_MESSAGES`` messages of their own text; automated senders (feeds, bug trackers) are left out. Each
author's messages are taken in date order: the memory learns the first half, then the second half is
typed word by word, and each sentence is learned once it is finished (as ``attach()`` learns what the
user finished writing). The memory never sees a sentence before it is typed.

Keystroke savings as in ``students.evaluate autocomplete``: the user types each word letter by letter and
accepts the suggestion (one keystroke) as soon as it is the right word among the top 1 (or top 3);
savings = keystrokes saved / letters of the words. The model is queried once per position with ``k=3``
and without memory; the mixed suggestions are ``personalize(memory, text, model's, 3)``, the very function
``AutocompleteModel.complete`` applies (tests/runtime/test_personal_words.py checks that they agree), so
every configuration sees the same model answers.

Authors are split by a hash of their address: ``dev`` authors choose the :class:`Mixing` (a small grid),
``test`` authors give the reported figures, with the shipped defaults.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from slm_web.tasks.personal import Mixing, PersonalWords, personalize
from students.autocomplete.authors import author_streams
from students.autocomplete.bigram import WORD

MAX_CONTEXT_CHARS = 300
SENTENCE_END = re.compile(r"[.!?…]\s|\n")  # as bridge/slm-editor.js: what attach() learns up to
GRID = [
    Mixing(max_weight, next_word_weight=next_word, recency=recency, sentence=sentence)
    for max_weight, next_word, recency, sentence
    in itertools.product((0.3, 0.4), (0.1, 0.3), (0.0, 0.4), (0.0, 0.2))
]


@dataclass
class Tally:
    """Letters typed and keystrokes saved, accepting from the top 1 and from the top 3."""

    letters: int = 0
    saved: dict[int, int] = field(default_factory=lambda: {1: 0, 3: 0})

    def add(self, other: Tally) -> None:
        self.letters += other.letters
        for n in self.saved:
            self.saved[n] += other.saved[n]

    def savings(self) -> dict[str, float]:
        return {f"top{n}": round(s / max(1, self.letters), 4) for n, s in self.saved.items()}


def split(authors: list[str]) -> dict[str, list[str]]:
    """dev and test authors, by the parity of a hash of the address."""
    parts = ("dev", "test")
    return {part: [a for a in authors if zlib.crc32(a.encode()) % 2 == i] for i, part in enumerate(parts)}


def simulate(predict, stream: list[str], mixings: dict[str, Mixing | None], max_words: int
             ) -> dict[str, Tally]:
    """Type the second half of ``stream`` after learning the first; a Tally per configuration (None: the
    model alone). At most ``max_words`` words are typed."""
    half = len(stream) // 2
    memory = PersonalWords()
    for text in stream[:half]:
        memory.learn(text)
    tallies = {name: Tally() for name in mixings}
    words = 0
    for text in stream[half:]:
        learned = 0  # text[:learned] is learned: the sentences finished before the word being typed
        for match in WORD.finditer(text):
            if words >= max_words:
                return tallies
            words += 1
            ends = SENTENCE_END.finditer(text, learned, match.start())
            finished = max((m.end() for m in ends), default=learned)
            memory.learn(text[learned:finished])
            learned = finished
            word, context = match.group(), text[max(0, match.start() - MAX_CONTEXT_CHARS) : match.start()]
            for tally in tallies.values():
                tally.letters += len(word)
            accepted = {(name, n): False for name in mixings for n in (1, 3)}
            for typed in range(len(word) - 1):  # accepting at the last letter saves nothing
                if all(accepted.values()):
                    break
                typed_text = context + word[:typed]
                answers = predict(typed_text)
                for name, mixing in mixings.items():
                    shown = answers
                    if mixing is not None:
                        memory.mixing = mixing
                        shown = personalize(memory, typed_text, answers, 3)
                    texts = [c.text for c in shown]
                    for n in (1, 3):
                        if not accepted[name, n] and word in texts[:n]:
                            accepted[name, n] = True
                            tallies[name].saved[n] += len(word) - typed - 1
        memory.learn(text[learned:])
    return tallies


def run(predict, streams: dict[str, list[str]], mixings: dict[str, Mixing | None], max_words: int) -> dict:
    totals = {name: Tally() for name in mixings}
    for stream in streams.values():
        for name, tally in simulate(predict, stream, mixings, max_words).items():
            totals[name].add(tally)
    return {name: {**t.savings(), "letters": t.letters} for name, t in totals.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m students.autocomplete.personal_eval")
    p.add_argument("bundle", type=Path, help="an autocomplete .slm bundle")
    p.add_argument("--max-words", type=int, default=120, help="words typed per author (~4 queries each)")
    p.add_argument("--no-tuning", action="store_true", help="skip the grid on the dev authors")
    p.add_argument("--json", type=Path, help="write the figures here")
    args = p.parse_args(argv)

    import slm_web

    model = slm_web.load_sync(str(args.bundle), threads=1)
    cache: dict[str, list] = {}

    def predict(text: str) -> list:
        if text not in cache:
            cache[text] = model.complete_sync(text, k=3)
        return cache[text]

    t0 = time.time()
    streams = author_streams()
    parts = split(sorted(streams))
    out: dict = {"authors": parts, "max_words_per_author": args.max_words,
                 "messages": {part: sum(len(streams[a]) for a in authors) for part, authors in parts.items()}}
    if not args.no_tuning:
        grid = {"model": None, **{repr(m): m for m in GRID}}
        dev = run(predict, {a: streams[a] for a in parts["dev"]}, grid, args.max_words)
        out["dev"] = dev
        best = max(GRID, key=lambda m: (dev[repr(m)]["top3"], dev[repr(m)]["top1"]))
        out["dev_best"] = repr(best)
        print(f"dev: model {dev['model']}; best {best}: {dev[repr(best)]}")
    cache.clear()
    test = run(predict, {a: streams[a] for a in parts["test"]}, {"model": None, "model + memory": Mixing()},
               args.max_words)
    out["test"] = test
    out["seconds"] = round(time.time() - t0)
    for name, figures in test.items():
        print(f"test {name:15} top-1 {figures['top1']:.3f}  top-3 {figures['top3']:.3f}"
              f"  ({figures['letters']} letters)")
    print(json.dumps({"authors": {p: len(a) for p, a in parts.items()}, "messages": out["messages"],
                      "seconds": out["seconds"]}))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    model.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
