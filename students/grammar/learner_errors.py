"""Learner-style error kinds: the mistakes people writing English as a second language make most.

Each kind edits a ``toks.Tok`` list in place and returns whether it found a place to apply, like the kinds
in ``errors.py``. Every rule here only fires where the result is wrong English whatever the wider context:
a tense swap needs a time word that fixes the tense ("yesterday"), a pronoun swap a position that fixes
the case ("to me" -> "to I"), a collocation a head word that fixes the preposition ("depend on").
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable

import lemminflect

from students.grammar import lexicon
from students.grammar.toks import Tok, delete_at, insert_at, lower_at, set_word, tokenize, where

# --- tense: a time expression that fixes the past ------------------------------------------------------
PAST_TIME_WORDS = {"yesterday", "ago", "last", "earlier", "previously"}
PAST_YEAR = re.compile(r"^(19\d\d|20[01]\d)$")  # "in 2015": the past, for these years
SUBJECTS = {"i", "you", "he", "she", "it", "we", "they"}
THIRD_PERSON = {"he", "she", "it"}


def _has_past_time(toks: list[Tok]) -> bool:
    return any(
        lower_at(toks, i) in PAST_TIME_WORDS or PAST_YEAR.match(toks[i].text) for i in range(len(toks))
    )


@functools.cache
def _past_to_present() -> dict[str, tuple[str, str]]:
    """Simple past -> (base form, -s form) for verbs whose past is only a past ("went", not "put")."""
    tables = lexicon.transforms()
    to_base, to_s = tables["VERB_VBD_VB"], tables["VERB_VBD_VBZ"]
    return {
        past: (base, to_s[past])
        for past, base in to_base.items()
        if past in to_s and past != base and lexicon.verb_tags().get(past) != {"VB"}
    }


PAST_TIME_PHRASES = ("yesterday", "last week", "last night", "two days ago", "last year", "last summer")


def _with_time_phrase(
    sentence: str, rng: random.Random, phrases: tuple[str, ...], fits: Callable[[list[Tok]], bool]
) -> str | None:
    """``sentence`` with one of ``phrases`` added before its final full stop, if it ends in a word and a full
    stop, has no past time word yet and ``fits`` its tokens; else None."""
    toks = tokenize(sentence)
    if _has_past_time(toks) or len(toks) < 3 or toks[-1].text != "." or not toks[-2].text.isalpha():
        return None
    return f"{sentence[:-1]} {rng.choice(phrases)}." if fits(toks) else None


def with_past_time(sentence: str, rng: random.Random) -> str | None:
    """A still correct sentence with a past time phrase added at its end, if a subject is followed by a
    simple past there ("She went home." -> "She went home yesterday."); else None. Gives the tense kind
    sentences to work on: few clean sentences carry such a phrase."""
    table = _past_to_present()

    def simple_past_after_subject(toks: list[Tok]) -> bool:
        return any(lower_at(toks, i) in table and lower_at(toks, i - 1) in SUBJECTS
                   for i in range(1, len(toks)))

    return _with_time_phrase(sentence, rng, PAST_TIME_PHRASES, simple_past_after_subject)


def present_for_past(toks: list[Tok], rng: random.Random) -> bool:
    """ "She went there yesterday" -> "She go/goes there yesterday": the tense the time word rules out."""
    if not _has_past_time(toks):
        return False
    table = _past_to_present()
    spots = where(toks, lambda i: lower_at(toks, i) in table and i > 0 and lower_at(toks, i - 1) in SUBJECTS)
    if not spots:
        return False
    i = rng.choice(spots)
    base, s_form = table[lower_at(toks, i)]
    set_word(toks, i, s_form if lower_at(toks, i - 1) in THIRD_PERSON and rng.random() < 0.5 else base)
    return True


def perfect_for_past(toks: list[Tok], rng: random.Random) -> bool:
    """ "I saw him yesterday" -> "I have seen him yesterday": the present perfect with a finished time."""
    if not _has_past_time(toks):
        return False
    to_participle = lexicon.transforms()["VERB_VBD_VBN"] | {
        past: past
        for past in lexicon.transforms()["VERB_VBD_VB"]
        if "VBN" in lexicon.verb_tags().get(past, ())
    }
    spots = where(
        toks, lambda i: lower_at(toks, i) in to_participle and i > 0 and lower_at(toks, i - 1) in SUBJECTS
    )
    if not spots:
        return False
    i = rng.choice(spots)
    set_word(toks, i, to_participle[lower_at(toks, i)])
    insert_at(toks, i, "has" if lower_at(toks, i - 1) in THIRD_PERSON else "have")
    return True


# --- present kept: a habitual time phrase, the contrast to the tense kind ----------------------------------
# Without it the tense examples teach "she go" -> "went" whatever the sentence says about time.
HABITUAL_PHRASES = ("every day", "every week", "on Sundays", "most mornings", "twice a week", "every summer")


def _agreeing_present(toks: list[Tok]) -> list[int]:
    """Positions of a present-tense verb right after a subject pronoun it agrees with ("she goes", "we go");
    base forms that are also pasts ("put", "read") are left out: their tense is not known."""
    tables = lexicon.transforms()

    def agreeing(i: int) -> bool:
        if i == 0 or lower_at(toks, i - 1) not in SUBJECTS:
            return False
        word = lower_at(toks, i)
        if lower_at(toks, i - 1) in THIRD_PERSON:
            return word in tables["VERB_VBZ_VB"]
        return word in tables["VERB_VB_VBZ"] and "VBD" not in lexicon.verb_tags().get(word, ())

    return where(toks, agreeing)


def with_habitual_time(sentence: str, rng: random.Random) -> str | None:
    """A still correct sentence with a habitual time phrase added at its end, if a subject is followed by a
    present-tense verb there ("She walks to work." -> "She walks to work every day."); else None."""
    return _with_time_phrase(sentence, rng, HABITUAL_PHRASES, lambda toks: bool(_agreeing_present(toks)))


def present_agreement(toks: list[Tok], rng: random.Random) -> bool:
    """ "She goes there every day" -> "She go there every day": wrong agreement where no past time word is,
    so the fix is the present ("goes"), never a past."""
    if _has_past_time(toks):
        return False
    spots = _agreeing_present(toks)
    if not spots:
        return False
    i = rng.choice(spots)
    tables = lexicon.transforms()
    third = lower_at(toks, i - 1) in THIRD_PERSON
    set_word(toks, i, (tables["VERB_VBZ_VB"] if third else tables["VERB_VB_VBZ"])[lower_at(toks, i)])
    return True


def present_for_perfect(toks: list[Tok], rng: random.Random) -> bool:
    """ "I have lived here since 2019" -> "I live here since 2019" (the perfect that "since"/"for" needs)."""
    if not any(lower_at(toks, i) in ("since", "for") for i in range(len(toks))):
        return False
    to_base = lexicon.transforms()["VERB_VBN_VB"]
    to_s = lexicon.transforms()["VERB_VBN_VBZ"]
    spots = [
        i
        for i in range(1, len(toks) - 1)
        if lower_at(toks, i) in ("have", "has")
        and lower_at(toks, i - 1) in SUBJECTS
        and lower_at(toks, i + 1) in to_base
    ]
    if not spots:
        return False
    i = rng.choice(spots)
    participle = lower_at(toks, i + 1)
    set_word(toks, i + 1, to_s[participle] if lower_at(toks, i) == "has" else to_base[participle])
    delete_at(toks, i)
    return True


def regularized_past(toks: list[Tok], rng: random.Random) -> bool:
    """ "bought" -> "buyed": the regular ending on an irregular verb (simple past after a subject only)."""
    wrong = {past: w for w, past in lexicon.transforms()["VERB_REGULARIZED"].items()}
    spots = where(toks, lambda i: lower_at(toks, i) in wrong and i > 0 and lower_at(toks, i - 1) in SUBJECTS)
    if not spots:
        return False
    i = rng.choice(spots)
    set_word(toks, i, wrong[lower_at(toks, i)])
    return True


# --- pronoun case ---------------------------------------------------------------------------------------
OBJECT_TO_SUBJECT = {"me": "I", "him": "he", "us": "we", "them": "they"}
PREPOSITIONS_BEFORE_OBJECT = {"to", "for", "with", "from", "about", "at", "without", "between", "like"}
AUXILIARY_VERBS = {
    "am",
    "are",
    "was",
    "were",
    "will",
    "would",
    "can",
    "could",
    "have",
    "had",
    "should",
    "did",
}
PERSON_NOUNS = {
    "man",
    "woman",
    "person",
    "people",
    "guy",
    "friend",
    "friends",
    "teacher",
    "doctor",
    "customer",
    "customers",
    "someone",
    "anyone",
    "everyone",
    "boy",
    "girl",
    "kids",
    "children",
    "lady",
    "students",
    "student",
    "colleague",
    "colleagues",
    "manager",
    "staff",
    "user",
    "users",
    "guys",
    "men",
    "women",
}


@functools.cache
def _verbs_after_subject() -> frozenset[str]:
    return frozenset(lexicon.verb_tags()) | AUXILIARY_VERBS


def pronoun_case(toks: list[Tok], rng: random.Random) -> bool:
    """Object pronoun after a preposition -> subject form ("with me" -> "with I"), "X and I" -> "X and me",
    "the man who" -> "the man which", "John and I" -> "John and myself"."""
    spots = [
        (i, OBJECT_TO_SUBJECT[lower_at(toks, i)])
        for i in range(1, len(toks))
        if lower_at(toks, i) in OBJECT_TO_SUBJECT and lower_at(toks, i - 1) in PREPOSITIONS_BEFORE_OBJECT
    ]
    spots += [
        (i, rng.choice(["me", "myself"]))
        for i in range(2, len(toks) - 1)
        if toks[i].text == "I"
        and lower_at(toks, i - 1) == "and"
        and lower_at(toks, i + 1) in _verbs_after_subject()
    ]
    spots += [
        (i, "I")
        for i in range(3, len(toks))
        if lower_at(toks, i) == "me" and lower_at(toks, i - 1) == "and" and lower_at(toks, i - 3) == "between"
    ]
    spots += [
        (i, "which")
        for i in range(1, len(toks))
        if lower_at(toks, i) == "who" and lower_at(toks, i - 1) in PERSON_NOUNS
    ]
    if not spots:
        return False
    i, word = rng.choice(spots)
    toks[i].text = word if word == "I" else word.lower() if i else word.capitalize()
    return True


# --- word order -----------------------------------------------------------------------------------------
FREQUENCY_ADVERBS = {"always", "usually", "often", "never", "sometimes", "rarely", "seldom", "also", "really"}
QUESTION_CUES = {"know", "tell", "wonder", "ask", "sure", "idea", "understand", "remember", "explain"}
WH_WORDS = {"where", "what", "when", "why", "how", "who", "which"}
BE_FORMS = {"is", "are", "was", "were"}


def word_order(toks: list[Tok], rng: random.Random) -> bool:
    """Adverb after its verb ("I always go" -> "I go always"), or an indirect question in question order
    ("tell me where the station is" -> "tell me where is the station")."""
    verbs = lexicon.verb_tags()
    adverb_spots = [
        i
        for i in range(1, len(toks) - 1)
        if lower_at(toks, i) in FREQUENCY_ADVERBS
        and lower_at(toks, i - 1) in SUBJECTS
        and lower_at(toks, i + 1) in verbs
    ]
    question_spots = []
    for i in range(1, len(toks) - 2):
        if lower_at(toks, i) in WH_WORDS and lower_at(toks, i - 1) in QUESTION_CUES | {"me", "you", "us"}:
            ends = [j for j in range(i + 2, min(i + 5, len(toks))) if lower_at(toks, j) in BE_FORMS]
            if (
                ends
                and toks[ends[0]].ws == ""
                and ends[0] + 1 < len(toks)
                and not toks[ends[0] + 1].text.isalnum()
            ):
                question_spots.append((i, ends[0]))  # the verb ends the clause: "... where the station is?"
    if not adverb_spots and not question_spots:
        return False
    if question_spots and (not adverb_spots or rng.random() < 0.5):
        wh, verb = rng.choice(question_spots)
        moved = toks.pop(verb)
        toks[verb - 1].ws = moved.ws
        toks.insert(wh + 1, Tok(moved.text, " "))
        return True
    i = rng.choice(adverb_spots)
    toks[i].text, toks[i + 1].text = toks[i + 1].text, toks[i].text
    return True


# --- prepositions that belong to a head word ------------------------------------------------------------
# head word (any inflection) -> (its preposition, the ones learners put instead; "" = left out)
COLLOCATIONS = {
    "forward": ("to", ["for"]),
    "due": ("to", ["of"]),
    "familiar": ("with", ["about", "to"]),
    "explain": ("to", [""]),
    "answer": ("to", ["of"]),
    "reason": ("for", ["of"]),
    "depend": ("on", ["of", "from"]),
    "interested": ("in", ["on", "about", "for"]),
    "married": ("to", ["with"]),
    "arrive": ("in", ["to"]),
    "arrived": ("at", ["to"]),
    "good": ("at", ["in"]),
    "listen": ("to", [""]),
    "wait": ("for", ["", "to"]),
    "afraid": ("of", ["from"]),
    "responsible": ("for", ["of"]),
    "proud": ("of", ["on", "for"]),
    "famous": ("for", ["of", "with"]),
    "similar": ("to", ["with", "as"]),
    "different": ("from", ["of", "with"]),
    "consist": ("of", ["in", "from"]),
    "agree": ("with", ["to", ""]),
    "look": ("at", ["to", ""]),
    "belong": ("to", ["at", ""]),
    "worried": ("about", ["for", "of"]),
    "angry": ("with", ["on", "to"]),
    "excited": ("about", ["for", "of"]),
    "kind": ("of", ["to"]),
    "apply": ("for", ["to"]),
    "pay": ("for", [""]),
    "think": ("about", ["on"]),
    "dream": ("of", ["on"]),
    "succeed": ("in", ["to", "on"]),
    "participate": ("in", ["on", "to"]),
    "insist": ("on", ["in", "to"]),
    "tired": ("of", ["from", "with"]),
    "capable": ("of", ["to", "for"]),
    "aware": ("of", ["about", "from"]),
    "full": ("of", ["with"]),
    "fond": ("of", ["with"]),
    "keen": ("on", ["in", "of"]),
}
TIME_PREPOSITIONS = {  # preposition a time word takes -> the ones learners put instead
    "on": (
        ["in", "at"],
        {
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "weekdays",
            "weekends",
            "birthday",
        },
    ),
    "in": (
        ["on", "at"],
        {
            "january",
            "february",
            "march",
            "april",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
            "summer",
            "winter",
            "spring",
            "autumn",
            "morning",
            "evening",
            "afternoon",
        },
    ),
    "at": (["in", "on"], {"night", "noon", "midnight"}),
}


@functools.cache
def _heads() -> dict[str, tuple[str, list[str]]]:
    """Every inflection of a collocation's head word -> (its preposition, wrong ones)."""
    out = dict(COLLOCATIONS)
    for head, entry in COLLOCATIONS.items():
        for other in lemminflect.getAllInflections(head, upos="VERB").values():
            for form in other:
                out.setdefault(form, entry)
    return out


def collocation(toks: list[Tok], rng: random.Random) -> bool:
    """A wrong preposition after a word that fixes it ("depends of"), or before a time word ("in Monday")."""
    heads = _heads()
    spots = [
        (i + 1, heads[lower_at(toks, i)][1])
        for i in range(len(toks) - 2)
        if lower_at(toks, i) in heads and lower_at(toks, i + 1) == heads[lower_at(toks, i)][0]
    ]
    for prep, (wrong, nouns) in TIME_PREPOSITIONS.items():
        spots += [
            (i, wrong)
            for i in range(len(toks) - 1)
            if lower_at(toks, i) == prep
            and (
                lower_at(toks, i + 1) in nouns
                or (i + 2 < len(toks) and lower_at(toks, i + 1) == "the" and lower_at(toks, i + 2) in nouns)
            )
        ]
    spots += [
        (i, ["on", "in"])
        for i in range(len(toks) - 1)
        if lower_at(toks, i) == "at" and toks[i + 1].text[:1].isdigit()
    ]  # "at 8 p.m." -> "on 8 p.m."
    if not spots:
        return False
    i, wrong = rng.choice(spots)
    choice = rng.choice(wrong)
    if choice:
        set_word(toks, i, choice)
    else:
        delete_at(toks, i)
    return True


# --- noun number after quantifiers, and nouns with no plural --------------------------------------------
ONE_OF = {"the", "my", "your", "his", "her", "our", "their", "these", "those"}


def quantified_number(toks: list[Tok], rng: random.Random) -> bool:
    """ "one of my friends" -> "one of my friend", "information" -> "informations"."""
    tables = lexicon.transforms()
    to_singular = tables["AGREEMENT_SINGULAR"]
    uncountable = {v: k for k, v in tables["AGREEMENT_UNCOUNTABLE"].items()}
    spots = [
        (i, to_singular[lower_at(toks, i)])
        for i in range(3, len(toks))
        if lower_at(toks, i) in to_singular
        and lower_at(toks, i - 1) in ONE_OF
        and lower_at(toks, i - 2) == "of"
        and lower_at(toks, i - 3) in ("one", "each", "any")
    ]
    spots += [
        (i, uncountable[lower_at(toks, i)]) for i in range(len(toks)) if lower_at(toks, i) in uncountable
    ]
    if not spots:
        return False
    i, word = rng.choice(spots)
    set_word(toks, i, word)
    if i > 0 and lower_at(toks, i - 1) == "much" and word in uncountable.values():
        set_word(toks, i - 1, "many")
    return True


# --- agreement with a subject the verb does not touch ----------------------------------------------------
DETERMINERS = {"the", "a", "an", "my", "your", "his", "her", "our", "their", "this", "that", "these", "those"}


def noun_number(toks: list[Tok], k: int) -> str | None:
    """ "singular" or "plural" if the word at ``k`` is a noun there (a noun-only word, or any noun right after
    a determiner: "the list"), else None."""
    word = lower_at(toks, k)
    lemmas = lemminflect.getAllLemmas(word)
    after_determiner = k > 0 and lower_at(toks, k - 1) in DETERMINERS
    if "NOUN" not in lemmas or not word.isalpha() or (set(lemmas) != {"NOUN"} and not after_determiner):
        return None
    return "singular" if word in lemmas["NOUN"] else "plural"


SINGULAR_TO_PLURAL_VERB = {"is": "are", "was": "were", "has": "have", "does": "do"}
LINKS = {"of", "in", "on", "for", "with", "from", "at", "near", "behind"}


def distant_agreement(toks: list[Tok], rng: random.Random) -> bool:
    """ "The list of items is long" -> "... are long": the verb agrees with the nearest noun."""
    wrong_verb = {
        **{k: ("singular", v) for k, v in SINGULAR_TO_PLURAL_VERB.items()},
        **{v: ("plural", k) for k, v in SINGULAR_TO_PLURAL_VERB.items()},
    }

    def swap(i: int) -> str | None:
        """The verb at ``i`` in the other number, if its subject sits before a phrase ending in a noun of
        the other number ("list [of items] is")."""
        if lower_at(toks, i) not in wrong_verb:
            return None
        subject_number, other = wrong_verb[lower_at(toks, i)]
        nearest = noun_number(toks, i - 1)
        if nearest is None or nearest == subject_number:
            return None
        heads = range(max(0, i - 6), i - 2)
        ok = any(noun_number(toks, j) == subject_number and lower_at(toks, j + 1) in LINKS for j in heads)
        return other if ok else None

    spots = where(toks, lambda i: i >= 3 and swap(i) is not None)
    if not spots:
        return False
    i = rng.choice(spots)
    set_word(toks, i, swap(i))
    return True


# --- articles with abstract and generic nouns -----------------------------------------------------------
GENERIC_NOUNS = {
    "life",
    "nature",
    "society",
    "happiness",
    "education",
    "technology",
    "health",
    "science",
    "success",
    "honesty",
    "friendship",
    "patience",
}
GENERIC_CONTEXT_BEFORE = {"", "about", "because"}  # "" = the sentence start


def generic_article(toks: list[Tok], rng: random.Random) -> bool:
    """ "Life is short" -> "The life is short": an article before a noun meant in general."""

    def generic(i: int) -> bool:
        before = lower_at(toks, i - 1) if i else ""
        after = lower_at(toks, i + 1) if i + 1 < len(toks) else ""
        return lower_at(toks, i) in GENERIC_NOUNS and before in GENERIC_CONTEXT_BEFORE and after != "of"

    spots = where(toks, generic)
    if not spots:
        return False
    i = rng.choice(spots)
    if i == 0:
        toks[0].text = toks[0].text.lower()
        toks.insert(0, Tok("The", " "))
    else:
        insert_at(toks, i, "the")
    return True


def tense(toks: list[Tok], rng: random.Random) -> bool:
    """One of the tense errors above, picked at random."""
    return rng.choice([present_for_past, perfect_for_past, present_for_perfect])(toks, rng)


# Kinds only the data builder's targeted examples use (random corruption keeps its kinds and weights, so
# the frozen synthetic splits stay reproducible): name -> generator.
CONTRAST_KINDS = {"present_agreement": present_agreement}

# name -> (relative weight, generator); errors.ERROR_KINDS adds them to its own kinds. The weights are high
# because these rules find a place in few sentences (they need a cue word): where one applies it is taken.
LEARNER_KINDS = {
    "tense": (0.8, tense),
    "irregular_past": (0.3, regularized_past),
    "pronoun": (0.4, pronoun_case),
    "word_order": (0.6, word_order),
    "collocation": (0.5, collocation),
    "quantified_number": (0.4, quantified_number),
    "distant_agreement": (0.5, distant_agreement),
    "generic_article": (0.15, generic_article),
}
