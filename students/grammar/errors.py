"""Synthetic grammar errors: turn a clean sentence into a plausible erroneous one.

A sentence is handled as a list of ``Tok`` (text + the whitespace after it). Each error kind is a small
function that edits that list in place and returns whether it found a place to apply; ``ERROR_KINDS``
weights them. The confusion tables below are data, not branching.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable

from students.grammar import lexicon
from students.grammar.learner_errors import CONTRAST_KINDS, LEARNER_KINDS
from students.grammar.learner_errors_more import MORE_LEARNER_KINDS
from students.grammar.toks import (
    Tok,
    delete_at,
    detokenize,
    insert_at,
    lower_at,
    near,
    next_in,
    replace_from_table,
    set_word,
    tokenize,
    where,
)

# --- confusion tables -------------------------------------------------------------------------------
# Only swaps that leave the sentence wrong whatever the context: a swap that can also be correct English
# ("She is" -> "She was", "the plan" -> "the plans", "a dog" -> "the dog") teaches the tagger to rewrite
# correct sentences. Before these rules every change the student made to a correct hand-written sentence
# was such a rewrite (is -> was, were -> are, plan -> plans).
BE_CONFUSIONS = {
    "is": ["are", "be"], "are": ["is", "be"], "am": ["is", "are"], "was": ["were"], "were": ["was"],
    "been": ["be", "being"], "be": ["been", "is"], "being": ["been", "be"], "has": ["have"], "have": ["has"],
    "does": ["do"], "do": ["does"], "did": ["done"], "doesn't": ["don't"], "don't": ["doesn't"],
    "isn't": ["aren't"], "aren't": ["isn't"], "wasn't": ["weren't"], "weren't": ["wasn't"],
    "there's": ["there are"], "there are": ["there's", "there is"],
}
# (from, to) Penn tags of a verb swap that is always wrong. Present <-> past of a finite verb is not here:
# "went" -> "go" is correct after "I", and "He go" then reads as a tense error instead of agreement.
WRONG_VERB_SWAPS = {
    ("VBZ", "VB"), ("VB", "VBZ"),  # agreement: "he goes" -> "he go", "they go" -> "they goes"
    ("VBD", "VBN"), ("VBN", "VBD"),  # "I saw" -> "I seen", "has written" -> "has wrote"
    ("VBN", "VB"), ("VB", "VBN"), ("VBG", "VB"), ("VB", "VBG"),  # "has go", "to gone", "is go", "to going"
    ("VBZ", "VBG"), ("VBZ", "VBN"), ("VBD", "VBG"), ("VBG", "VBD"), ("VBG", "VBZ"), ("VBN", "VBZ"),
}
# ... plus the past for a base form right after an auxiliary or "to": "did you finish" -> "did you finished"
AFTER_AUXILIARY_SWAPS = {("VB", "VBD")}
AUXILIARIES = {
    "to", "do", "does", "did", "don't", "doesn't", "didn't", "will", "would", "can", "could", "should",
    "must", "may", "might", "won't", "can't", "couldn't", "wouldn't", "shouldn't",
}
SUBJECT_PRONOUNS = {"i", "you", "he", "she", "it", "we", "they"}
VERB_CUES = SUBJECT_PRONOUNS | AUXILIARIES  # a noun/verb homograph ("works") is a verb right after one
# Noun number is only wrong next to a word that fixes it: "a cats", "three book", "the cat are".
SINGULAR_BEFORE = {"a", "an", "one", "this", "every", "each", "another"}
PLURAL_BEFORE = {
    "these", "those", "many", "several", "few", "both", "various", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "twenty", "hundred",
}
SINGULAR_AFTER = {"is", "was", "has", "does", "isn't", "wasn't", "hasn't", "doesn't"}
PLURAL_AFTER = {"are", "were", "have", "do", "aren't", "weren't", "haven't", "don't"}
DETERMINERS = {
    "my", "your", "his", "her", "our", "their", "its", "this", "that", "some", "any", "no", "every",
}
CONFUSABLES = {
    "their": ["there", "they're"], "there": ["their", "they're"], "they're": ["their", "there"],
    "its": ["it's"], "it's": ["its"], "your": ["you're"], "you're": ["your"], "then": ["than"],
    "than": ["then"], "to": ["too"], "too": ["to"], "whose": ["who's"], "who's": ["whose"],
    "we're": ["were"], "were": ["we're", "where"], "where": ["were"], "lose": ["loose"], "loose": ["lose"],
    "affect": ["effect"], "effect": ["affect"], "accept": ["except"], "except": ["accept"],
    "quiet": ["quite"], "quite": ["quiet"], "a lot": ["alot"], "could have": ["could of"],
    "would have": ["would of"], "should have": ["should of"], "of": ["off"], "off": ["of"],
    "advice": ["advise"], "past": ["passed"], "passed": ["past"], "weather": ["whether"],
    "whether": ["weather"], "piece": ["peace"], "know": ["no"], "no": ["know"], "new": ["knew"],
    "knew": ["new"], "our": ["are"], "here": ["hear"], "hear": ["here"], "buy": ["by"], "by": ["buy"],
}
PREPOSITIONS = {
    "in": ["on", "at", "into"], "on": ["in", "at", "onto"], "at": ["in", "on", "to"],
    "to": ["for", "at", "in"], "for": ["to", "of", "about"], "of": ["for", "from", "about"],
    "with": ["by", "to"], "by": ["with", "from"], "from": ["of", "since"], "about": ["of", "on"],
    "into": ["in", "to"], "since": ["for", "from"], "during": ["while", "in"],
}
ARTICLES = {"a", "an", "the"}
CONTRACTIONS = {
    "don't": "dont", "doesn't": "doesnt", "didn't": "didnt", "can't": "cant", "won't": "wont",
    "isn't": "isnt", "wasn't": "wasnt", "aren't": "arent", "couldn't": "couldnt", "wouldn't": "wouldnt",
    "shouldn't": "shouldnt", "haven't": "havent", "i'm": "im", "i've": "ive", "that's": "thats",
    "what's": "whats", "let's": "lets", "he's": "hes", "she's": "shes", "you've": "youve",
}
SPLITTABLE = {
    "everyone": "every one", "someone": "some one", "something": "some thing", "anything": "any thing",
    "everything": "every thing", "nothing": "no thing", "anyone": "any one", "another": "an other",
    "without": "with out", "into": "in to", "cannot": "can not", "today": "to day", "tonight": "to night",
    "tomorrow": "to morrow", "already": "all ready", "myself": "my self", "yourself": "your self",
    "himself": "him self", "herself": "her self", "itself": "it self", "nobody": "no body",
    "somebody": "some body", "anybody": "any body", "everybody": "every body", "somewhere": "some where",
    "anywhere": "any where", "everywhere": "every where", "sometimes": "some times", "however": "how ever",
    "whatever": "what ever", "weekend": "week end", "birthday": "birth day", "homework": "home work",
    "bedroom": "bed room", "football": "foot ball", "afternoon": "after noon", "outside": "out side",
    "inside": "in side", "upstairs": "up stairs", "website": "web site", "online": "on line",
}
KEYBOARD_NEIGHBOURS = dict(zip(
    "qwertyuiopasdfghjklzxcvbnm",
    ["wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol", "qsz", "awed", "serf", "drtg",
     "ftyh", "gyuj", "huik", "jiol", "kop", "asx", "zsdc", "xdfv", "cfgb", "vghn", "bhjm", "njk"],
    strict=True))
TYPO_MIN_ZIPF = 4.0  # random typos only in frequent words (their corrections make it into the tag vocabulary)
TYPO_MAX_RESULT_ZIPF = 1.5  # ... and only when the typo is no real word
PUNCT_END = {".", "!", "?"}
WORD = re.compile(r"[A-Za-z]")


# --- the error kinds --------------------------------------------------------------------------------
AGREEMENT_SHARE = 0.6  # of verb errors: a 3rd-person -s form (or be/have/do) loses its agreement


@functools.cache
def wrong_verb_forms(after_auxiliary: bool) -> dict[str, list[str]]:
    """word -> the other forms of its lemma that are wrong in its place whichever tag the word has there."""
    tags = lexicon.verb_tags()
    allowed = WRONG_VERB_SWAPS | (AFTER_AUXILIARY_SWAPS if after_auxiliary else set())
    out = {}
    for word, others in lexicon.inflections().items():
        if word not in tags:
            continue
        own = tags[word]
        wrong = [o for o in others if o in tags and all((a, b) in allowed for a in own for b in tags[o])]
        if wrong:
            out[word] = wrong
    return out


@functools.cache
def _nouns() -> frozenset[str]:
    """Every noun of the number tables, singular or plural."""
    tables = lexicon.transforms()
    return frozenset(tables["AGREEMENT_PLURAL"].keys() | tables["AGREEMENT_SINGULAR"].keys())


def verb_form(toks: list[Tok], rng: random.Random) -> bool:
    """Agreement / verb form: swap a verb for a form of its lemma that is wrong there ("goes" -> "go").

    Text has far more base forms than -s forms, so agreement errors are drawn on purpose.
    """
    if rng.random() < AGREEMENT_SHARE:
        to_base = {k: [v] for k, v in lexicon.transforms()["VERB_VBZ_VB"].items()}
        if replace_from_table(toks, rng, to_base | BE_CONFUSIONS):
            return True

    def choices(i: int) -> list[str]:
        word = lower_at(toks, i)
        if word in _nouns() and not near(toks, i, VERB_CUES, before=1):
            return BE_CONFUSIONS.get(word, [])  # "dog", "works": a verb only right after "he" or "to"
        return wrong_verb_forms(near(toks, i, AUXILIARIES)).get(word, []) + BE_CONFUSIONS.get(word, [])

    spots = where(toks, lambda i: bool(choices(i)))
    if not spots:
        return False
    i = rng.choice(spots)
    set_word(toks, i, rng.choice(choices(i)))
    return True


def noun_number(toks: list[Tok], rng: random.Random) -> bool:
    """A singular noun made plural next to a singular cue ("a cats"), or the other way ("three book")."""
    tables = lexicon.transforms()
    to_plural, to_singular = tables["AGREEMENT_PLURAL"], tables["AGREEMENT_SINGULAR"]

    def wrong_number(i: int) -> str | None:
        word = lower_at(toks, i)
        if word in to_plural and (near(toks, i, SINGULAR_BEFORE) or next_in(toks, i, SINGULAR_AFTER)):
            return to_plural[word]
        if word in to_singular and (near(toks, i, PLURAL_BEFORE) or next_in(toks, i, PLURAL_AFTER)):
            return to_singular[word]
        return None

    spots = where(toks, lambda i: wrong_number(i) is not None)
    if not spots:
        return False
    i = rng.choice(spots)
    set_word(toks, i, wrong_number(i))
    return True


def article(toks: list[Tok], rng: random.Random) -> bool:
    """A missing article before a singular noun, a/an mixed up, or an article where none can be."""
    singular, plural = lexicon.transforms()["AGREEMENT_PLURAL"], lexicon.transforms()["AGREEMENT_SINGULAR"]

    def before_singular(i: int) -> bool:  # the article's noun is singular: it cannot go ("I saw dog")
        return any(lower_at(toks, j) in singular for j in range(i + 1, min(i + 3, len(toks))))

    how = rng.random()
    droppable = where(toks, lambda i: lower_at(toks, i) in ARTICLES and before_singular(i))
    if droppable and how < 0.45:
        i = rng.choice(droppable)
        if i == 0 and len(toks) > 1:
            toks[1].text = toks[1].text[:1].lower() + toks[1].text[1:]  # "The cat" -> "cat", not "Cat"
        delete_at(toks, i)
        return True
    indefinite = where(toks, lambda i: lower_at(toks, i) in ("a", "an"))
    if indefinite and how < 0.7:
        i = rng.choice(indefinite)
        set_word(toks, i, "an" if lower_at(toks, i) == "a" else "a")
        return True
    # "a" before a plural noun ("a cats"), or any article after a determiner ("my the car")
    spots = [(i, "a") for i in range(1, len(toks))
             if lower_at(toks, i) in plural and lower_at(toks, i - 1) not in ARTICLES | DETERMINERS]
    spots += [(i, rng.choice(["the", "a"])) for i in range(1, len(toks))
              if lower_at(toks, i) in singular and lower_at(toks, i - 1) in DETERMINERS]
    if not spots:
        return False
    i, word = rng.choice(spots)
    insert_at(toks, i, word)
    return True


def preposition(toks: list[Tok], rng: random.Random) -> bool:
    preps = where(toks, lambda i: lower_at(toks, i) in PREPOSITIONS)
    if not preps:
        return False
    i = rng.choice(preps)
    if rng.random() < 0.3 and i > 0:
        delete_at(toks, i)
    else:
        set_word(toks, i, rng.choice(PREPOSITIONS[lower_at(toks, i)]))
    return True


def confusable(toks: list[Tok], rng: random.Random) -> bool:
    return replace_from_table(toks, rng, CONFUSABLES)


def spelling(toks: list[Tok], rng: random.Random) -> bool:
    """A codespell misspelling, the word picked with weight ~ its frequency (common words, common typos)."""
    table = lexicon.misspellings()
    spots = where(toks, lambda i: lower_at(toks, i) in table)
    if not spots:
        return False
    i = rng.choices(spots, weights=[lexicon.zipf(lower_at(toks, j)) for j in spots])[0]
    set_word(toks, i, rng.choice(table[lower_at(toks, i)]))
    return True


def _typo(word: str, rng: random.Random) -> str:
    k = rng.randrange(1, len(word) - 1)
    edits = [
        word[:k] + word[k + 1:],  # dropped letter
        word[:k - 1] + word[k] + word[k - 1] + word[k + 1:],  # swapped letters
        word[:k] + word[k] + word[k:],  # doubled letter
        word[:k] + rng.choice(KEYBOARD_NEIGHBOURS.get(word[k], word[k])) + word[k + 1:],  # neighbour key
    ]
    return rng.choice(edits)


def typo(toks: list[Tok], rng: random.Random) -> bool:
    """A keyboard slip in a frequent word, if the result is no real word."""
    spots = where(toks, lambda i: toks[i].text.isalpha() and toks[i].text.islower()
                   and len(toks[i].text) >= 4 and lexicon.zipf(toks[i].text) >= TYPO_MIN_ZIPF)
    if not spots:
        return False
    i = rng.choice(spots)
    wrong = _typo(toks[i].text, rng)
    if lexicon.zipf(wrong) > TYPO_MAX_RESULT_ZIPF:
        return False
    toks[i].text = wrong
    return True


def capitalization(toks: list[Tok], rng: random.Random) -> bool:
    """Lower-cased sentence start, "i", or proper noun."""
    caps = where(toks, lambda i: (toks[i].text[:1].isupper() and toks[i].text[1:].islower())
                  or toks[i].text == "I")
    if not caps:
        return False
    i = 0 if 0 in caps and rng.random() < 0.6 else rng.choice(caps)
    toks[i].text = toks[i].text.lower()
    return True


def punctuation(toks: list[Tok], rng: random.Random) -> bool:
    """Missing final stop, missing or extra comma, missing apostrophe."""
    how = rng.random()
    if how < 0.3 and len(toks) > 1 and toks[-1].text in PUNCT_END and WORD.match(toks[-2].text):
        delete_at(toks, len(toks) - 1)
        return True
    commas = where(toks, lambda i: toks[i].text == "," and i > 0)
    if how < 0.6 and commas:
        delete_at(toks, rng.choice(commas))
        return True
    apos = where(toks, lambda i: lower_at(toks, i) in CONTRACTIONS)
    if how < 0.85 and apos:
        i = rng.choice(apos)
        set_word(toks, i, CONTRACTIONS[lower_at(toks, i)])
        return True
    spots = where(toks, lambda i: 0 < i < len(toks) - 2 and WORD.match(toks[i].text)
                   and WORD.match(toks[i + 1].text))
    if not spots:
        return False
    i = rng.choice(spots)
    toks.insert(i + 1, Tok(",", toks[i].ws))
    toks[i].ws = ""
    return True


def repeated_word(toks: list[Tok], rng: random.Random) -> bool:
    spots = where(toks, lambda i: WORD.match(toks[i].text) is not None)
    if not spots:
        return False
    i = rng.choice(spots)
    toks.insert(i + 1, Tok(toks[i].text.lower(), toks[i].ws))
    toks[i].ws = " "
    return True


def split_word(toks: list[Tok], rng: random.Random) -> bool:
    """A compound written as two words ("every one")."""
    spots = where(toks, lambda i: lower_at(toks, i) in SPLITTABLE)
    if not spots:
        return False
    i = rng.choice(spots)
    set_word(toks, i, SPLITTABLE[lower_at(toks, i)])
    return True


ERROR_KINDS: dict[str, tuple[float, Callable[[list[Tok], random.Random], bool]]] = {
    "verb_form": (0.20, verb_form),
    "noun_number": (0.08, noun_number),
    "article": (0.13, article),
    "preposition": (0.04, preposition),  # any preposition swapped: often still right ("in/on the box")
    "confusable": (0.10, confusable),
    "spelling": (0.10, spelling),
    "typo": (0.06, typo),
    "capitalization": (0.08, capitalization),
    "punctuation": (0.09, punctuation),
    "repeated_word": (0.03, repeated_word),
    "split_word": (0.03, split_word),
    **LEARNER_KINDS,
    **MORE_LEARNER_KINDS,
}
LEARNER_KIND_NAMES = (*LEARNER_KINDS, *MORE_LEARNER_KINDS)
CORRECT_SHARE = 0.3  # sentences left as they are: they teach the model when to keep quiet
ERRORS_PER_SENTENCE = (1, 2, 3)
ERRORS_PER_SENTENCE_WEIGHTS = (0.45, 0.35, 0.2)  # learners' texts: often several per sentence
MAX_TRIES = 24  # the learner kinds often find no place: try others until the count is met


def corrupt(sentence: str, rng: random.Random) -> tuple[str, list[str]]:
    """(erroneous sentence, names of the error kinds applied); unchanged for a ``CORRECT_SHARE`` of inputs."""
    if rng.random() < CORRECT_SHARE:
        return sentence, []
    toks = tokenize(sentence)
    want = rng.choices(ERRORS_PER_SENTENCE, weights=ERRORS_PER_SENTENCE_WEIGHTS)[0]
    names = list(ERROR_KINDS)
    weights = [ERROR_KINDS[n][0] for n in names]
    applied: list[str] = []
    for _ in range(MAX_TRIES):
        if len(applied) == want:
            break
        name = rng.choices(names, weights=weights)[0]
        if ERROR_KINDS[name][1](toks, rng):
            applied.append(name)
    return detokenize(toks), applied


def corrupt_with(sentence: str, kind: str, rng: random.Random) -> tuple[str, list[str]] | None:
    """``sentence`` with an error of ``kind`` (and sometimes one more of any kind), or None if ``kind``
    finds no place in it. The data builder uses it to give rare learner kinds enough examples."""
    toks = tokenize(sentence)
    generator = ERROR_KINDS[kind][1] if kind in ERROR_KINDS else CONTRAST_KINDS[kind]
    if not generator(toks, rng):
        return None
    applied = [kind]
    if rng.random() < 0.3:
        other = rng.choices(list(ERROR_KINDS), weights=[w for w, _ in ERROR_KINDS.values()])[0]
        if ERROR_KINDS[other][1](toks, rng):
            applied.append(other)
    return detokenize(toks), applied
