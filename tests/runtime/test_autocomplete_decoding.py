"""Autocomplete decoding with a scripted LM: token healing, word boundaries, ranking, cancellation, release.

No bundle and no engine: runtime_fakes provides a tokenizer and a session whose next-token scores follow
rules keyed by the end of the context.
"""

from __future__ import annotations

import asyncio
import math

import pytest
from runtime_fakes import RULES, make_model

import slm_web
from slm_web.blocking import run_blocking
from slm_web.tasks.autocomplete import _Hypothesis, classify_token, count_words, heal_start


@pytest.mark.parametrize(
    "text, words, start",
    [
        ("I would li", [("I", (0, 1)), (" would", (1, 7)), (" li", (7, 10))], 7),
        ("I would ", [("I", (0, 1)), (" would", (1, 7)), (" ", (7, 8))], 7),
        ("Hello,", [("Hello", (0, 5)), (",", (5, 6))], 6),  # punctuation: nothing to heal
        ("", [], 0),
        ("x" * 100, [("x" * 100, (0, 100))], 100),  # too long to be a word being typed
        ("abc\x00", [("abc", (0, 3))], 4),  # the last word does not end the text
    ],
)
def test_heal_start(text: str, words: list, start: int) -> None:
    assert heal_start(text, words) == start


@pytest.mark.parametrize(
    "generated, candidate, prefix, max_words, expected",
    [
        ("", " li", " li", 1, "extend"),  # exactly the prefix
        ("", " l", " li", 1, "extend"),  # part of it
        ("", " love", " li", 1, "invalid"),  # contradicts it
        (" li", " like", " li", 1, "extend"),
        (" li", " li the", " li", 1, "extend"),  # the typed word kept, a next word (if "li" likely ends)
        (" li the", " li the cat", " li", 1, "finish"),  # the kept typed word does not count
        ("", " like", " ", 1, "extend"),
        ("", "\nThe", "", 1, "invalid"),  # no line breaks before the first word
        ("", " ,", "", 1, "invalid"),
        (" like", " like\n", "", 3, "finish"),
        (" like", " like to", "", 2, "extend"),
        (" like to", " like to go", "", 2, "finish"),
        (" don", " don't", "", 1, "extend"),
        (" caf\ufffd", " café", "", 1, "extend"),  # a multi-byte character completed by the next token
        (" like", " like ", "", 2, "finish"),  # whitespace-only piece: the word ended
        ("", " ", " ", 1, "extend"),  # re-producing healed whitespace
        ("", "  ", "", 1, "invalid"),  # no suggestion starts with bare whitespace
    ],
)
def test_classify_token(generated: str, candidate: str, prefix: str, max_words: int, expected: str) -> None:
    step = classify_token(generated, candidate, prefix, max_words)
    assert {(True, False): "extend", (False, True): "finish", (False, False): "invalid"}[
        (step.extend, step.finish)
    ] == expected


def test_count_words() -> None:
    assert count_words("") == 0 and count_words(" , . ") == 0
    assert count_words("e\u0301te\u0301 naïve well-known") == 3


def _texts(results: list[slm_web.Completion]) -> list[tuple[str, str]]:
    return [(c.text, c.insert) for c in results]


def test_partial_word_is_completed_not_replaced() -> None:
    model = make_model()
    results = model.complete_sync("I would li", k=3)
    assert _texts(results) == [("like", "ke"), ("little", "ttle")]
    # P("like" | the text goes on with " li"): " like" has e^5 of the e^5 + e^1 (" li") consistent mass
    assert math.isclose(results[0].score, 148.41 / (148.41 + 2.718), abs_tol=1e-3)
    assert results[0].score > results[1].score
    assert len(model.session.live) == 2  # only the prompt's cache (1 layer: key, value) is kept
    model.close()
    assert not model.session.live


def test_next_word_after_a_space_ranked_and_distinct() -> None:
    model = make_model()
    assert _texts(model.complete_sync("I would ", k=3)) == [("like", "like"), ("love", "love"), ("be", "be")]
    assert _texts(model.complete_sync("I would ", k=2, max_words=2)) == [("like to", "like to"),
                                                                          ("love to", "love to")]
    assert _texts(model.complete_sync("", k=1)) == [("I", "I")]


def test_one_token_per_step_after_the_prompt() -> None:
    model = make_model()
    model.complete_sync("I would li", k=2)
    (past, prompt), *steps = model.session.calls
    assert (past, prompt) == (0, 2)  # "I", " would": " li" is healed, not fed
    assert steps and all(new == 1 for _, new in steps)


def test_the_typed_token_is_kept_when_outside_the_top_k() -> None:
    rules = {**RULES, " would": {" the": 5.0, " be": 1.0}, " li": {"ke": 5.0}}
    assert _texts(make_model(rules).complete_sync("I would li", k=3)) == [("like", "ke")]


def test_end_of_text_finishes_a_suggestion() -> None:
    rules = {**RULES, " like": {"<eos>": 5.0}}
    assert _texts(make_model(rules).complete_sync("I would li", k=1)) == [("like", "ke")]


def test_long_prompts_keep_their_tail_within_max_positions() -> None:
    model = make_model(max_positions=16)
    model.complete_sync("I would " * 50 + "li", k=2)
    assert all(past + new <= 16 for past, new in model.session.calls)
    prompt = model.session.calls[0][1]
    assert 1 < prompt <= 16


@pytest.mark.parametrize("dynamic_batch", [True, False])
def test_a_newer_request_cancels_the_older_one(dynamic_batch: bool) -> None:
    model = make_model(delay=0.001, dynamic_batch=dynamic_batch)

    async def typing():
        first = asyncio.create_task(model.complete("I would ", k=3, max_words=3))
        await asyncio.sleep(0.003)  # the first request is mid-way when the user types on
        second = asyncio.create_task(model.complete("I would li", k=3))
        return await asyncio.gather(first, second, return_exceptions=True)

    first, second = run_blocking(typing())
    assert isinstance(first, slm_web.Cancelled)
    assert _texts(second) == [("like", "ke"), ("little", "ttle")]
    model.close()
    assert not model.session.live  # the cancelled request released its caches too


def test_mismatched_methods_on_the_fake_model() -> None:
    with pytest.raises(slm_web.TaskMismatchError):
        make_model().classify_sync("text")


def test_the_prompt_cache_is_reused_while_typing() -> None:
    model = make_model()
    model.complete_sync("I would l")
    calls = len(model.session.calls)
    assert _texts(model.complete_sync("I would li")) == [("like", "ke"), ("little", "ttle")]
    assert model.session.calls[calls][0] > 0  # no prompt run: the first call was already a decoding step
    calls = len(model.session.calls)
    model.complete_sync("I would like to ")
    assert model.session.calls[calls] == (2, 2)  # only " like", " to" were fed, after the cached "I would"
    calls = len(model.session.calls)
    model.complete_sync("Something else ")
    assert model.session.calls[calls][0] == 0  # a different prompt starts afresh
    assert len(model.session.live) == 2  # the replaced prompt caches were released
    model.close()
    assert not model.session.live


def test_next_word_after_a_finished_typed_word() -> None:
    rules = {**RULES, "your": {" help": 5.0, " time": 4.0, "s": 1.0}}
    model = make_model(rules)
    expected = [("help", " help"), ("time", " time"), ("yours", "s")]  # next words, and the word extended
    assert _texts(model.complete_sync("Thank you for your", k=3)) == expected


def test_no_new_word_after_an_unlikely_word_end() -> None:
    rules = {**RULES, " li": {"ke": 5.0, "ttle": 2.0, " the": 2.5}}  # P(" li" is a word) ~ 0.07
    assert _texts(make_model(rules).complete_sync("I would li", k=3)) == [("like", "ke"), ("little", "ttle")]
    rules = {**RULES, " li": {"ke": 1.0, " the": 5.0}}  # the model is sure "li" is a whole word
    assert ("the", " the") in _texts(make_model(rules).complete_sync("I would li", k=3))


BATCH_CASES = [
    ("I would li", 3, 1),
    ("I would ", 3, 1),
    ("I would ", 5, 3),
    ("", 2, 2),
    ("I would like to ", 3, 2),
    ("Thank you for your", 3, 1),
]


@pytest.mark.parametrize(("text", "k", "max_words"), BATCH_CASES)
def test_batched_steps_equal_one_run_per_hypothesis(text: str, k: int, max_words: int) -> None:
    """One run per decoding step gives exactly the suggestions and scores of one run per hypothesis, the
    only way to decode a bundle converted before batched decoding (no ``dynamic_batch`` in its config)."""
    rules = {**RULES, "your": {" help": 5.0, " time": 4.0, "s": 1.0}}
    batched, old = make_model(rules), make_model(rules, dynamic_batch=None)
    assert batched.dynamic_batch and not old.dynamic_batch
    assert batched.complete_sync(text, k=k, max_words=max_words) == old.complete_sync(
        text, k=k, max_words=max_words
    )
    assert set(old.session.batches) == {1}
    assert sorted(batched.session.contexts) == sorted(old.session.contexts)  # each row continued its own past
    # After the prompt, one run per step: each feeds one token per hypothesis after one more cached token.
    pasts = [past for past, _ in batched.session.calls[1:]]
    assert pasts == list(range(pasts[0], pasts[0] + len(pasts)))
    assert len(batched.session.calls) < len(old.session.calls) and max(batched.session.batches) > 1
    for model in (batched, old):
        model.close()
        assert not model.session.live  # gathered rows and shared batch caches are all released



def test_a_hypothesis_yields_its_likeliest_extensions_and_all_its_probability() -> None:
    model = make_model()
    ids = model.tokenizer.encode("I would").ids
    probs = {" like": 0.4, " love": 0.2, " have": 0.15, " be": 0.1, ".": 0.1, " go": 0.05}
    options = [(model.tokenizer.ids[t], math.log(p)) for t, p in probs.items()]
    h = _Hypothesis(ids, "I would", math.log(0.5), {}, options)
    extensions, end_prob, extension_prob = model._continuations(h, options, "", max_words=3, width=2)
    assert [text for _, _, _, text in extensions] == ["I would like", "I would love"]  # the rest: unlikelier
    assert all(math.isclose(math.exp(c[2]), 0.5 * probs[c[3][7:]]) for c in extensions)
    assert math.isclose(end_prob, 0.1) and math.isclose(extension_prob, 0.9)
