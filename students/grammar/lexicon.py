"""Word tables the error generator and the tag scheme share, built once from lemminflect, codespell, wordfreq.

* ``transforms()``: the bundle's ``transforms`` tables (``VERB_<from>_<to>``, ``AGREEMENT_PLURAL``,
  ``AGREEMENT_SINGULAR``), restricted to frequent verbs and nouns so they stay a few thousand entries;
* ``verb_tags()``: word -> its Penn tags in those tables (which verb swaps are wrong wherever they happen);
* ``misspellings()``: correct word -> plausible misspellings (codespell pairs whose misspelling is no word);
* ``runtime_spellings()``: the bundle's known-misspelling table (misspellings people actually write);
* ``zipf(word)``: wordfreq's Zipf frequency, for frequency-weighted sampling.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import codespell_lib
import lemminflect
from spacy.lang.en.stop_words import STOP_WORDS
from wordfreq import top_n_list, zipf_frequency

VERB_FORMS = ("VB", "VBZ", "VBD", "VBN", "VBG")
N_VERBS = 320  # most frequent verb lemmas that get inflection tables
N_NOUNS = 900  # most frequent nouns that get number tables
TOP_WORDS = 12000  # where lemmas are looked for
MIN_FORM_ZIPF = 2.5  # every inflected form in a table must be a word people actually use
# Function words that lemminflect also lists as verbs or nouns ("can" -> "cans", "that" -> "thats") are
# skipped, except the common content verbs and nouns among spaCy's stop words. "be" is irregular
# (am/is/are, was/were) and corrected with plain replacements instead.
_CONTENT_STOP_WORDS = {
    "do", "have", "get", "give", "go", "make", "say", "see", "take", "keep", "put", "show", "call", "move",
    "seem", "become", "use", "name", "part", "side", "amount", "top", "bottom", "front",
}
_SKIP_LEMMAS = (STOP_WORDS - _CONTENT_STOP_WORDS) | {"be", "doe"}


def zipf(word: str) -> float:
    """Zipf frequency of ``word`` in English (0 = unseen, 7 ≈ "the")."""
    return zipf_frequency(word, "en")


# A lemma that is also an adjective/adverb ("good" -> "goods", "long" -> "longs") makes bad tables.
_EXCLUDING_UPOS = {"VERB": {"ADV"}, "NOUN": {"ADJ", "ADV"}}
MIN_NOUN_ZIPF = 3.5  # drops rare homographs


def _usable(lemma: str, upos: str) -> bool:
    if not lemma.isalpha() or lemma in _SKIP_LEMMAS:
        return False
    if upos == "NOUN" and zipf(lemma) < MIN_NOUN_ZIPF:
        return False
    return not _EXCLUDING_UPOS[upos] & lemminflect.getAllLemmas(lemma).keys()


@functools.cache
def _lemmas(upos: str, limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for word in top_n_list("en", TOP_WORDS):
        for lemma in lemminflect.getAllLemmas(word).get(upos, ()):
            if _usable(lemma, upos):
                seen.setdefault(lemma)
        if len(seen) >= limit:
            break
    return list(seen)


def _form(lemma: str, tag: str) -> str | None:
    forms = lemminflect.getInflection(lemma, tag)
    return forms[0] if forms else None


@functools.cache
def transforms() -> dict[str, dict[str, str]]:
    """``{"VERB_VB_VBZ": {"go": "goes", ...}, "AGREEMENT_PLURAL": {"cat": "cats"}, ...}`` (lowercase)."""
    tables: dict[str, dict[str, str]] = {}
    for lemma in _lemmas("VERB", N_VERBS):
        forms = {tag: _form(lemma, tag) for tag in VERB_FORMS}
        if not all(f and zipf(f) >= MIN_FORM_ZIPF for f in forms.values()):
            continue
        for a, b in itertools.permutations(VERB_FORMS, 2):
            if forms[a] != forms[b]:
                tables.setdefault(f"VERB_{a}_{b}", {}).setdefault(forms[a], forms[b])
    for lemma in _lemmas("NOUN", N_NOUNS):
        plural = _form(lemma, "NNS")
        if plural and plural != lemma and plural.isalpha() and zipf(plural) >= MIN_FORM_ZIPF:
            tables.setdefault("AGREEMENT_PLURAL", {}).setdefault(lemma, plural)
            tables.setdefault("AGREEMENT_SINGULAR", {}).setdefault(plural, lemma)
    tables["VERB_REGULARIZED"] = regularized_pasts(tables["VERB_VB_VBD"])
    tables["AGREEMENT_UNCOUNTABLE"] = {noun + "s": noun for noun in UNCOUNTABLE_NOUNS}
    tables["AGREEMENT_IRREGULAR"] = dict(REGULARIZED_PLURALS)
    return tables


# An irregular plural made regular -> the right plural ("childs" -> "children").
REGULARIZED_PLURALS = {
    "childs": "children", "mans": "men", "womans": "women", "foots": "feet", "tooths": "teeth",
    "mouses": "mice", "knifes": "knives", "wifes": "wives", "leafs": "leaves", "shelfs": "shelves",
    "halfs": "halves", "gooses": "geese",
}
# Nouns learners pluralise that have no plural ("informations"); "researches", "works" etc. are also
# verbs, so they are not here.
UNCOUNTABLE_NOUNS = (
    "information", "advice", "furniture", "equipment", "homework", "luggage", "baggage", "knowledge",
    "feedback", "software", "evidence", "traffic", "garbage", "jewelry", "scenery", "machinery", "clothing",
    "housework", "applause", "pollution", "wildlife",
)


def _regular_pasts(lemma: str) -> set[str]:
    """The past forms a learner builds by the regular rule: "buy" -> "buyed", "run" -> "runned"/"runed"."""
    if lemma.endswith("e"):
        return {lemma + "d"}
    forms = {lemma + "ed"}
    if len(lemma) >= 3 and lemma[-1] not in "aeiouwxy" and lemma[-2] in "aeiou" and lemma[-3] not in "aeiou":
        forms.add(lemma + lemma[-1] + "ed")
    return forms


# Irregular verbs too rare in the tables above but common in learners' errors (lemma -> past).
MORE_IRREGULAR_PASTS = {
    "teach": "taught", "catch": "caught", "leave": "left", "say": "said", "pay": "paid", "sell": "sold",
    "sit": "sat", "swim": "swam", "drink": "drank", "choose": "chose", "know": "knew", "hear": "heard",
    "wear": "wore", "throw": "threw", "grow": "grew", "draw": "drew", "fly": "flew", "ride": "rode",
    "steal": "stole", "wake": "woke", "feed": "fed", "lend": "lent", "spend": "spent", "hurt": "hurt",
    "cut": "cut", "read": "read", "sleep": "slept", "bring": "brought", "buy": "bought", "go": "went",
    "take": "took", "see": "saw", "eat": "ate", "write": "wrote", "forget": "forgot", "begin": "began",
}
MAX_REGULARIZED_ZIPF = 2.5  # a learner's form as frequent as this is a real word ("singed", "costed")
REGULARIZED_ALWAYS_WRONG = {"payed", "sayed", "leaved"}  # frequent only as misspellings
REGULARIZED_REAL_WORDS = {"putted", "seed", "wined", "grinded"}


def regularized_pasts(base_to_past: dict[str, str]) -> dict[str, str]:
    """Wrong regular past of an irregular verb -> its right past ("buyed" -> "bought"), if no real word."""
    out = {}
    for lemma, past in {**MORE_IRREGULAR_PASTS, **base_to_past}.items():
        if past in _regular_pasts(lemma):
            continue  # a regular verb
        for wrong in _regular_pasts(lemma) - REGULARIZED_REAL_WORDS:
            if zipf(wrong) < MAX_REGULARIZED_ZIPF or wrong in REGULARIZED_ALWAYS_WRONG:
                out[wrong] = past
    return dict(sorted(out.items()))


@functools.cache
def transform_index() -> dict[tuple[str, str], str]:
    """(wrong word, right word) -> the first transform name that maps one to the other (VERB_* first)."""
    index: dict[tuple[str, str], str] = {}
    for name, table in transforms().items():
        for src, dst in table.items():
            index.setdefault((src, dst), name)
    return index


@functools.cache
def verb_tags() -> dict[str, set[str]]:
    """word -> its Penn tags in the verb transform tables ("walked" -> {"VBD", "VBN"})."""
    out: dict[str, set[str]] = {}
    for name, table in transforms().items():
        if name.startswith("VERB_") and name.count("_") == 2:
            _, a, b = name.split("_")
            for src, dst in table.items():
                out.setdefault(src, set()).add(a)
                out.setdefault(dst, set()).add(b)
    return out


@functools.cache
def inflections() -> dict[str, list[str]]:
    """word -> the other forms of its lemma(s) in the transform tables (the error generator's choices)."""
    out: dict[str, set[str]] = {}
    for src, dst in transform_index():
        out.setdefault(src, set()).add(dst)
    return {word: sorted(others) for word, others in out.items()}


MIN_MISSPELLING_GAP = 2.0  # a misspelling must be this much rarer than its correction (Zipf)
MAX_MISSPELLING_ZIPF = 3.0  # ... and rare in absolute terms, so it is no real word


@functools.cache
def misspellings() -> dict[str, list[str]]:
    """correct word -> misspellings from codespell's main dictionary (single-correction entries only)."""
    path = Path(codespell_lib.__file__).parent / "data" / "dictionary.txt"
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        wrong, _, right = line.partition("->")
        if "," in right or not (wrong.isalpha() and right.isalpha() and right.islower()):
            continue
        z = zipf(wrong)
        if z <= MAX_MISSPELLING_ZIPF and z <= zipf(right) - MIN_MISSPELLING_GAP:
            out.setdefault(right, []).append(wrong)
    return out


# The bundle's table of known misspellings (slm_web replaces them before tagging): only the ones people
# actually write (wordfreq has seen them) of words common enough to matter. 3k entries, 18 KB gzipped;
# without the floor it would be 41k entries and 145 KB.
MIN_SEEN_MISSPELLING_ZIPF = 1.0
MIN_CORRECTION_ZIPF = 3.0
# Closed classes that are always capitalised, which an uncased encoder cannot see: weekdays, months (not
# "may" and "march", also a verb) and language/nationality adjectives that are no other word ("polish").
ALWAYS_CAPITALISED = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "april", "june", "july", "august", "september", "october", "november", "december", "english", "french",
    "spanish", "german", "italian", "portuguese", "dutch", "greek", "russian", "chinese", "japanese",
    "korean", "arabic", "hindi", "swedish", "danish", "norwegian", "finnish", "irish", "scottish", "welsh",
    "british", "american", "canadian", "mexican", "brazilian", "african", "european", "asian", "australian",
    "indian", "christian", "muslim", "jewish", "catholic", "protestant"
)


@functools.cache
def runtime_spellings() -> dict[str, str]:
    """Lowercase word -> its right spelling, for the grammar bundle's ``spellings`` (sorted)."""
    table = {wrong: right for right, wrongs in misspellings().items() for wrong in wrongs
             if zipf(right) >= MIN_CORRECTION_ZIPF and zipf(wrong) >= MIN_SEEN_MISSPELLING_ZIPF}
    table |= {word: word.capitalize() for word in ALWAYS_CAPITALISED}
    return dict(sorted(table.items()))
