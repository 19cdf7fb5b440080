"""More learner-style error kinds: verb patterns, fixed phrases, question word order, adjective order.

Same contract as ``learner_errors``: each kind edits a ``toks.Tok`` list in place, returns whether it found
a place, and only fires where its result is wrong whatever the wider context.
"""

from __future__ import annotations

import functools
import random

import lemminflect

from students.grammar import lexicon
from students.grammar.learner_errors import DETERMINERS, SUBJECTS, THIRD_PERSON, noun_number
from students.grammar.toks import Tok, insert_at, lower_at, set_word, where

# --- "to" where a bare infinitive belongs -------------------------------------------------------------------
MODALS = {"must", "should", "can", "could", "will", "would", "might", "may"}
CAUSATIVES = {"let", "lets", "make", "makes", "made", "letting", "making"}
OBJECTS = {"me", "you", "him", "her", "us", "them", "it"}


@functools.cache
def _base_verbs() -> frozenset[str]:
    return frozenset(w for w, tags in lexicon.verb_tags().items() if "VB" in tags) | {"be", "have", "do"}


def infinitive_to(toks: list[Tok], rng: random.Random) -> bool:
    """ "You must try" -> "You must to try", "She made me wait" -> "She made me to wait"."""
    bases = _base_verbs()
    spots = [
        i
        for i in range(1, len(toks))
        if lower_at(toks, i) in bases
        and (
            lower_at(toks, i - 1) in MODALS
            or (i >= 2 and lower_at(toks, i - 1) in OBJECTS and lower_at(toks, i - 2) in CAUSATIVES)
        )
    ]
    if not spots:
        return False
    insert_at(toks, rng.choice(spots), "to")
    return True


# --- a preposition a transitive verb does not take ----------------------------------------------------------
EXTRA_PREPOSITION = {  # verb lemma -> the preposition learners add before its object
    "discuss": "about",
    "enter": "into",
    "contact": "with",
    "attend": "to",
    "marry": "with",
    "reach": "to",
    "mention": "about",
    "explain": "about",
    "emphasize": "on",
    "answer": "to",
    "join": "with",
    "visit": "to",
    "lack": "of",
    "resemble": "to",
    "approach": "to",
}


@functools.cache
def _extra_preposition_forms() -> dict[str, str]:
    out = {}
    for lemma, prep in EXTRA_PREPOSITION.items():
        for forms in lemminflect.getAllInflections(lemma, upos="VERB").values():
            out.update({form: prep for form in forms})
        out[lemma] = prep
    return out


def extra_preposition(toks: list[Tok], rng: random.Random) -> bool:
    """ "We discussed the budget" -> "We discussed about the budget"."""
    table = _extra_preposition_forms()
    spots = [
        i
        for i in range(1, len(toks) - 1)
        if lower_at(toks, i) in table
        and (lower_at(toks, i + 1) in DETERMINERS | OBJECTS or toks[i + 1].text[:1].isupper())
    ]
    if not spots:
        return False
    i = rng.choice(spots)
    insert_at(toks, i + 1, table[lower_at(toks, i)])
    return True


# --- articles in fixed phrases that take none ---------------------------------------------------------------
NO_ARTICLE_PHRASES = {  # the word before -> nouns that take no article after it
    "to": {"bed", "school", "work", "church", "college", "university", "hospital", "prison"},
    "at": {"home", "work", "school", "night", "university", "college"},
    "by": {"bus", "car", "train", "bike", "plane", "taxi", "email", "phone", "mail", "hand"},
    "play": {"tennis", "football", "soccer", "basketball", "golf", "chess", "volleyball", "baseball"},
    "plays": {"tennis", "football", "soccer", "basketball", "golf", "chess", "volleyball", "baseball"},
    "played": {"tennis", "football", "soccer", "basketball", "golf", "chess", "volleyball", "baseball"},
    "playing": {"tennis", "football", "soccer", "basketball", "golf", "chess", "volleyball", "baseball"},
}


def fixed_phrase_article(toks: list[Tok], rng: random.Random) -> bool:
    """ "I went to bed" -> "I went to the bed", "She plays tennis" -> "She plays the tennis"."""
    spots = [
        i
        for i in range(1, len(toks))
        if lower_at(toks, i) in NO_ARTICLE_PHRASES.get(lower_at(toks, i - 1), ())
        and not (i + 1 < len(toks) and lower_at(toks, i + 1) in {"of", "'s"})
    ]
    if not spots:
        return False
    insert_at(toks, rng.choice(spots), "the")
    return True


# --- do-support in an indirect question ---------------------------------------------------------------------
QUESTION_CUES = {
    "know",
    "tell",
    "wonder",
    "ask",
    "asked",
    "remember",
    "understand",
    "sure",
    "idea",
    "explain",
}
WH_WORDS = {"where", "what", "when", "why", "how"}


@functools.cache
def _finite_to_base() -> dict[str, tuple[str, str]]:
    """Finite verb -> (the auxiliary its question takes, its base form): "put" past -> ("did", "put")."""
    tables = lexicon.transforms()
    out = {w: ("did", b) for w, b in tables["VERB_VBD_VB"].items()}
    out |= {w: ("does", b) for w, b in tables["VERB_VBZ_VB"].items()}
    return out


def indirect_question_do(toks: list[Tok], rng: random.Random) -> bool:
    """ "I don't know where she lives" -> "... where does she live", "where I put" -> "where did I put"."""
    table = _finite_to_base()
    spots = []
    for i in range(1, len(toks) - 2):
        subject, verb = lower_at(toks, i + 1), lower_at(toks, i + 2)
        if (
            lower_at(toks, i) in WH_WORDS
            and lower_at(toks, i - 1) in QUESTION_CUES
            and subject in SUBJECTS
            and verb in table
            and (table[verb][0] == "did" or subject in THIRD_PERSON)
        ):
            spots.append(i)
    if not spots:
        return False
    i = rng.choice(spots)
    aux, base = table[lower_at(toks, i + 2)]
    set_word(toks, i + 2, base)
    insert_at(toks, i + 1, aux)
    return True


# --- adjective after its noun, "very well" before the object ------------------------------------------------
# Adjectives that are nothing else (no noun or verb reading), so "a small car" -> "a car small" is wrong.
ADJECTIVES = frozenset(
    {
        "small",
        "big",
        "large",
        "new",
        "old",
        "good",
        "bad",
        "nice",
        "beautiful",
        "cheap",
        "expensive",
        "red",
        "blue",
        "green",
        "black",
        "white",
        "long",
        "short",
        "quiet",
        "noisy",
        "comfortable",
        "clean",
        "dirty",
        "modern",
        "little",
        "great",
        "delicious",
        "friendly",
        "huge",
        "tiny",
        "fast",
        "slow",
        "young",
        "happy",
        "pretty",
        "ugly",
        "lovely",
        "awful",
        "terrible",
        "wonderful",
        "famous",
        "busy",
        "empty",
        "heavy",
        "light",
        "warm",
        "cold",
        "hot",
        "cosy",
        "spacious",
        "crowded",
    }
)


CLAUSE_WORDS = {
    "for",
    "in",
    "at",
    "with",
    "and",
    "but",
    "to",
    "on",
    "of",
    "from",
    "that",
    "which",
    "is",
    "was",
}


def _adjective(word: str) -> bool:
    return word in ADJECTIVES


def adjective_order(toks: list[Tok], rng: random.Random) -> bool:
    """ "a small car" -> "a car small"; "speaks English very well" -> "speaks very well English"."""
    adjective_spots = [
        i
        for i in range(1, len(toks) - 1)
        if lower_at(toks, i - 1) in DETERMINERS
        and _adjective(lower_at(toks, i))
        and noun_number(toks, i + 1) is not None
        and (i + 2 >= len(toks) or not toks[i + 2].text.isalpha() or lower_at(toks, i + 2) in CLAUSE_WORDS)
    ]
    adverb_spots = []
    for i in range(2, len(toks) - 2):
        if (
            lower_at(toks, i) == "very"
            and lower_at(toks, i + 1) in ("well", "much")
            and not toks[i + 2].text.isalnum()
        ):
            start = i - 2 if lower_at(toks, i - 2) in DETERMINERS else i - 1
            if start >= 1 and toks[i - 1].text.isalpha() and lower_at(toks, start - 1) in lexicon.verb_tags():
                adverb_spots.append((start, i))
    if not adjective_spots and not adverb_spots:
        return False
    if adverb_spots and (not adjective_spots or rng.random() < 0.5):
        start, i = rng.choice(adverb_spots)
        very, adverb = toks[i].text, toks[i + 1].text
        toks[i - 1].ws = toks[i + 1].ws
        del toks[i : i + 2]
        toks[start:start] = [Tok(very, " "), Tok(adverb, " ")]
        return True
    i = rng.choice(adjective_spots)
    toks[i].text, toks[i + 1].text = toks[i + 1].text, toks[i].text
    return True


# --- irregular plurals made regular, "is" with a plural in a question ---------------------------------------
def regularized_plural(toks: list[Tok], rng: random.Random) -> bool:
    """ "three children" -> "three childs"."""
    wrong = {right: w for w, right in lexicon.transforms()["AGREEMENT_IRREGULAR"].items()}
    spots = where(toks, lambda i: lower_at(toks, i) in wrong)
    if not spots:
        return False
    i = rng.choice(spots)
    set_word(toks, i, wrong[lower_at(toks, i)])
    return True


def question_agreement(toks: list[Tok], rng: random.Random) -> bool:
    """ "Where are my glasses?" -> "Where is my glasses?"; "There are two rooms" -> "There is two rooms"."""
    spots = []
    for i in range(len(toks) - 2):
        if lower_at(toks, i) not in ("are", "were"):
            continue
        opener = i == 0 or lower_at(toks, i - 1) in {"where", "what", "how", "why", "when", "there", "here"}
        plural = any(noun_number(toks, j) == "plural" for j in range(i + 1, min(i + 5, len(toks))))
        if opener and plural:
            spots.append(i)
    if not spots:
        return False
    i = rng.choice(spots)
    set_word(toks, i, "is" if lower_at(toks, i) == "are" else "was")
    return True


def unneeded_article(toks: list[Tok], rng: random.Random) -> bool:
    """ "one of the best" -> "a one of the best"; "I have a car" kept. Only before "one of"."""
    spots = [
        i
        for i in range(1, len(toks) - 1)
        if lower_at(toks, i) == "one"
        and lower_at(toks, i + 1) == "of"
        and lower_at(toks, i - 1) not in DETERMINERS | {"no", "any", "each", "every"}
    ]
    if not spots:
        return False
    insert_at(toks, rng.choice(spots), "a")
    return True


MORE_LEARNER_KINDS = {
    "infinitive_to": (0.4, infinitive_to),
    "extra_preposition": (0.4, extra_preposition),
    "fixed_phrase_article": (0.3, fixed_phrase_article),
    "indirect_question_do": (0.4, indirect_question_do),
    "adjective_order": (0.2, adjective_order),
    "regularized_plural": (0.3, regularized_plural),
    "question_agreement": (0.3, question_agreement),
    "unneeded_article": (0.1, unneeded_article),
}
