"""The three tasks on tiny converter-built bundles with the native backend, including every bad input.

The fixture models are random: these tests check mechanics and invariants (offsets, shapes, limits, no
hangs), not the quality of the answers.
"""

from __future__ import annotations

import asyncio
import doctest
import math
from pathlib import Path

import pytest
from fixtures import hostile
from fixtures.decoding import assert_same, assert_same_up_to_int8_noise, both_ways

import slm_web
from slm_web.backends.base import Tensor
from slm_web.backends.native import NativeBackend
from slm_web.blocking import run_blocking
from slm_web.tasks import autocomplete, gector, grammar, sentiment
from slm_web.tasks.gector import apply_edits
from slm_web.text import MAX_CORRECT_CHARS, clean

MEGABYTE = ("All work and no play makes Jack a dull boy. " * 24_000)[:1_000_000]
BAD_INPUTS = {
    "empty": "",
    "whitespace": " \n\t  ",
    "megabyte": MEGABYTE,
    "surrogates": "broken \ud83d text \udc00 here",
    "control": "nul\x00 and \x01\x07\x1b[31m controls\x7f",
    "rtl_combining": "שלום עולם مرحبا e\u0301\u0301 a\u0308\u0323",
    "emoji": "I love it 😀👍🏽 👨‍👩‍👧‍👦 🇫🇷",
}
NEEDS_CONTENT = {"empty", "whitespace"}


@pytest.fixture(scope="module")
def sentiment_model(sentiment_bundle: Path):
    with slm_web.load_sync(sentiment_bundle, threads=1) as model:
        yield model


@pytest.fixture(scope="module")
def grammar_model(grammar_bundle: Path):
    with slm_web.load_sync(grammar_bundle, threads=1) as model:
        yield model


@pytest.fixture(scope="module")
def autocomplete_model(autocomplete_bundle: Path):
    with slm_web.load_sync(autocomplete_bundle, threads=1) as model:
        yield model


# -- sentiment ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_sentiment_bad_inputs(sentiment_model, deadline, name: str) -> None:
    with deadline(10):
        if name in NEEDS_CONTENT:
            with pytest.raises(slm_web.InputTextError, match=r"empty|whitespace"):
                sentiment_model.classify_sync(BAD_INPUTS[name])
            return
        result = sentiment_model.classify_sync(BAD_INPUTS[name])
    assert result.label in sentiment_model.labels
    assert math.isclose(sum(result.scores.values()), 1.0, abs_tol=1e-4)
    assert result.score == max(result.scores.values())


def test_sentiment_batch_matches_single_calls(sentiment_model) -> None:
    texts = [f"text {i} " + "very " * (i % 7) + "good" for i in range(40)]  # > one batch, mixed lengths
    batch = sentiment_model.classify_batch_sync(texts)
    for text, result in zip(texts, batch, strict=True):
        single = sentiment_model.classify_sync(text)
        assert result.label == single.label
        # Dynamic int8 quantizes activations with one scale per tensor, so batch-mates shift scores a little.
        assert all(math.isclose(result.scores[k], single.scores[k], abs_tol=2e-3) for k in single.scores)
    assert sentiment_model.classify_batch_sync([]) == []
    with pytest.raises(slm_web.InputTextError, match="list of texts"):
        sentiment_model.classify_batch_sync("one string")
    with pytest.raises(slm_web.InputTextError, match=r"texts\[1\] is empty"):
        sentiment_model.classify_batch_sync(["fine", ""])


def test_sentiment_reads_only_the_head(sentiment_model) -> None:
    long = "good words " * 300  # far beyond max_length tokens
    assert sentiment_model.classify_sync(long) == sentiment_model.classify_sync(long + " but terrible")


def test_result_to_dict_is_json_ready(sentiment_model) -> None:
    d = sentiment_model.classify_sync("nice").to_dict()
    assert set(d) == {"label", "score", "scores"} and isinstance(d["scores"], dict)


# -- grammar ------------------------------------------------------------------------------------------


def _check_correction(text: str, result: slm_web.Correction) -> None:
    cleaned = clean(text)
    assert apply_edits(cleaned, result.edits) == result.text
    for e in result.edits:
        assert 0 <= e.start <= e.end <= len(text) and cleaned[e.start : e.end] == e.original
        assert e.type in {"unnecessary", "missing", "replace", "spelling", "capitalization", "verb form",
                          "noun number"}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_grammar_bad_inputs(grammar_model, deadline, name: str) -> None:
    text = BAD_INPUTS[name]
    with deadline(10):
        if len(text) > MAX_CORRECT_CHARS:
            with pytest.raises(slm_web.InputTextError, match="at most"):
                grammar_model.correct_sync(text)
            return
        result = grammar_model.correct_sync(text, min_confidence=0.0)  # random model: make it edit a lot
    _check_correction(text, result)
    if name in NEEDS_CONTENT:
        assert result.text == text and result.edits == []


def test_grammar_edits_point_into_the_original_across_passes(grammar_model, deadline) -> None:
    text = "she go to school yesterday.  Their is two cat here!\nthe dog have a bone"
    with deadline(10):
        one = grammar_model.correct_sync(text, min_confidence=0.0, max_passes=1)
        three = grammar_model.correct_sync(text, min_confidence=0.0, max_passes=3)
    _check_correction(text, one)
    _check_correction(text, three)
    assert grammar_model.correct_sync(text, min_confidence=1.0).edits == []  # no random tag is that sure
    assert grammar_model.correct_sync(text, min_confidence=0.0, max_passes=0).edits == []
    for bad in [{"min_confidence": "high"}, {"max_passes": -1}, {"max_passes": 1.5}]:
        with pytest.raises(slm_web.InputTextError):
            grammar_model.correct_sync(text, **bad)


def test_grammar_fixes_known_misspellings_before_tagging(grammar_model) -> None:
    # The fixture bundle's task_config lists "recieved", "becuase", "friday" (tests/fixtures/checkpoints.py).
    text = "Recieved it on friday. I came becuase, \u00e9recieved and recieved2 are no words. Friday!"
    result = grammar_model.correct_sync(text, min_confidence=1.0)  # the tagger itself changes nothing
    assert [(e.original, e.replacement, e.type) for e in result.edits] == [
        ("Recieved", "Received", "spelling"), ("friday", "Friday", "capitalization"),
        ("becuase", "because", "spelling")]
    assert result.text == ("Received it on Friday. I came because, \u00e9recieved and recieved2 are no words."
                           " Friday!")
    assert grammar_model.correct_sync(text, max_passes=0).edits == []
    _check_correction(text, grammar_model.correct_sync(text, min_confidence=0.0))  # tagged on top


@pytest.mark.parametrize("change", [
    {"tags": "$KEEP $DELETE"}, {"transforms": ["VERB_VB_VBZ"]}, {"transforms": {"VERB_VB_VBZ": {"go": 1}}},
    {"spellings": [["recieved", "received"]]}, {"spellings": {"recieved": None}},
])
def test_grammar_tables_of_the_wrong_shape_are_refused_at_load(grammar_bundle: Path, tmp_path: Path,
                                                               change: dict) -> None:
    odd = tmp_path / "odd.slm"  # packed by hand: the writer refuses it too
    odd.write_bytes(hostile.variant(grammar_bundle, manifest=lambda m: m["task_config"].update(change)))
    with pytest.raises(slm_web.BundleError, match=r"task_config\.(tags|transforms|spellings)\S* must be"):
        slm_web.load_sync(odd)


def test_grammar_limit_is_processed_in_bounded_time(grammar_model, deadline) -> None:
    text = ("The cat sit on the mat and look at the birds. " * 500)[:MAX_CORRECT_CHARS]
    with deadline(30):
        _check_correction(text, grammar_model.correct_sync(text))


def test_grammar_words_follow_the_tokenizer(grammar_model) -> None:
    text = "Hello, wörld! 中文 don't"
    encoding = grammar_model.tokenizer.encode(text)
    words, firsts = grammar.words_of(encoding, text)
    assert [w for w, _ in words] == [w for w, _ in grammar_model.tokenizer.pre_tokenize(text)]
    assert all(encoding.word_ids[p] == i for i, p in enumerate(firsts))


# -- autocomplete -------------------------------------------------------------------------------------


def _check_completions(model, text: str, k: int = 3) -> list[slm_web.Completion]:
    results = model.complete_sync(text, k=k)
    assert len(results) <= k
    assert len({c.text for c in results}) == len(results)
    assert [c.score for c in results] == sorted((c.score for c in results), reverse=True)
    for c in results:
        assert c.insert and c.text and c.text == c.text.strip() and 0 < c.score <= 1
        assert (clean(text) + c.insert).rstrip().endswith(c.text)
    return results


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_autocomplete_bad_inputs(autocomplete_model, deadline, name: str) -> None:
    with deadline(10):
        _check_completions(autocomplete_model, BAD_INPUTS[name])


def test_autocomplete_heals_the_partial_word(autocomplete_model) -> None:
    for text, partial in [("I would li", "li"), ("The weather is nic", "nic")]:
        results = _check_completions(autocomplete_model, text, k=5)
        assert results, text
        for c in results:  # the typed word completed, or (if the model deems it finished) the next word
            completes = c.text.startswith(partial) and c.insert == c.text[len(partial) :]
            assert completes or (c.insert[0] == " " and c.text == c.insert.strip()), c


def test_autocomplete_arguments(autocomplete_model) -> None:
    for bad in [{"k": 0}, {"k": 1000}, {"max_words": 0}, {"k": "3"}]:
        with pytest.raises(slm_web.InputTextError):
            autocomplete_model.complete_sync("hello", **bad)
    for c in autocomplete_model.complete_sync("The weather is ", k=3, max_words=2):
        assert autocomplete.count_words(c.text) <= 2


class _Recording:
    """Wraps a session to record (past length, new tokens) per run."""

    def __init__(self, session) -> None:
        self.session, self.calls = session, []
        self.input_names, self.output_names = session.input_names, session.output_names

    async def run(self, feeds, keep=()):
        past = feeds["past_key_values.0.key"]
        self.calls.append((past.shape[2], feeds["input_ids"].shape[1]))
        return await self.session.run(feeds, keep)

    def release(self, value) -> None:
        self.session.release(value)

    def take_rows(self, value, rows):
        return self.session.take_rows(value, rows)

    def close(self) -> None:
        self.session.close()


def test_autocomplete_steps_one_token_at_a_time_within_max_positions(autocomplete_model) -> None:
    recording = _Recording(autocomplete_model.session)
    autocomplete_model.session = recording
    try:
        autocomplete_model.complete_sync(MEGABYTE, k=3, max_words=2)
    finally:
        autocomplete_model.session = recording.session
    (prompt_past, prompt_len), *steps = recording.calls
    assert prompt_past == 0 and prompt_len > 1 and steps
    assert all(new == 1 for _, new in steps)
    assert all(past + new <= autocomplete_model.max_positions for past, new in recording.calls)


def _stepwise_matches_full(model, tolerance: float) -> None:
    ids = list(model.tokenizer.encode("The weather is nice and the sun").ids)
    assert len(ids) >= 4
    empty = {n: model._empty_past for n in model._past_names}

    async def stepwise():
        top, past = await model._advance(ids[:-2], empty)
        for token in ids[-2:]:
            top, past = await model._advance([token], past)
        return top

    full = run_blocking(model._advance(ids, empty))[0]
    cached = run_blocking(stepwise())
    assert cached[0][0] == full[0][0]
    assert all(math.isclose(a, b, abs_tol=tolerance) for (_, a), (_, b) in zip(cached, full, strict=True))


def test_kv_cache_decoding_matches_full_recomputation(autocomplete_bundle_fp32: Path, autocomplete_model):
    with slm_web.load_sync(autocomplete_bundle_fp32, threads=1) as fp32:
        _stepwise_matches_full(fp32, tolerance=1e-4)
    # int8 quantizes activations per call, so cached and full runs differ slightly more.
    _stepwise_matches_full(autocomplete_model, tolerance=2e-2)


def test_batched_decoding_equals_one_run_per_hypothesis(autocomplete_bundle_fp32: Path, autocomplete_model):
    """One run per decoding step (all hypotheses in a batch) suggests what one run per hypothesis does, the
    way a bundle converted before batched decoding is decoded."""
    texts = ["I would li", "The weather is ", "See you tomor", "Thank you for your", "", "one two three"]
    with slm_web.load_sync(autocomplete_bundle_fp32, threads=1) as fp32:
        for text in texts:
            assert_same(*both_ways(fp32, text, k=5, max_words=2))
            assert_same_up_to_int8_noise(*both_ways(autocomplete_model, text, k=5, max_words=2))


def test_newer_complete_cancels_the_older_one(autocomplete_model) -> None:
    async def both():
        older = asyncio.create_task(autocomplete_model.complete("The weather is ", k=3, max_words=3))
        newer = asyncio.create_task(autocomplete_model.complete("I would li", k=3))
        return await asyncio.gather(older, newer, return_exceptions=True)

    older, newer = run_blocking(both())
    assert isinstance(older, slm_web.Cancelled)
    assert isinstance(newer, list)
    _check_completions(autocomplete_model, "I would li")  # the model still works afterwards


# -- every task ---------------------------------------------------------------------------------------


def test_wrong_task_is_a_clear_error(sentiment_model, grammar_model, autocomplete_model) -> None:
    with pytest.raises(slm_web.TaskMismatchError, match=r"correct\(\) needs a grammar bundle.*sentiment"):
        sentiment_model.correct_sync("text")
    with pytest.raises(slm_web.TaskMismatchError, match="autocomplete"):
        grammar_model.complete_sync("text")
    with pytest.raises(slm_web.TaskMismatchError, match="sentiment"):
        autocomplete_model.classify_batch_sync(["text"])
    assert isinstance(slm_web.TaskMismatchError("x"), ValueError)


@pytest.mark.parametrize("bad", [None, 42, b"bytes"])
def test_non_text_input(sentiment_model, grammar_model, autocomplete_model, bad: object) -> None:
    for call in (sentiment_model.classify_sync, grammar_model.correct_sync, autocomplete_model.complete_sync):
        with pytest.raises(slm_web.InputTextError, match="must be a str"):
            call(bad)


def test_load_from_bytes_async_and_errors(sentiment_bundle: Path, tmp_path: Path) -> None:
    data = sentiment_bundle.read_bytes()
    model = run_blocking(slm_web.load(data, backend=NativeBackend(threads=1)))
    assert model.task == "sentiment" and model.manifest["task"] == "sentiment"
    assert "sentiment" in repr(model)
    model.close()
    with pytest.raises(slm_web.BundleError):
        slm_web.load_sync(data[: len(data) // 2])
    with pytest.raises(slm_web.BundleError, match="URLs"):
        slm_web.load_sync("https://example.invalid/model.slm")


@pytest.mark.parametrize("module, fixture", [(sentiment, "sentiment_model"), (grammar, "grammar_model"),
                                             (gector, "grammar_model"), (autocomplete, "autocomplete_model")])
def test_docstring_examples(module, fixture: str, request: pytest.FixtureRequest) -> None:
    model = request.getfixturevalue(fixture)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module, extraglobs={"model": model}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_package_docstring_example(sentiment_bundle: Path, shared_bundle: Path) -> None:
    runner = doctest.DocTestRunner()
    paths = {"sentiment_path": str(sentiment_bundle), "shared_path": str(shared_bundle)}
    for test in doctest.DocTestFinder().find(slm_web, globs=paths):
        if test.name == "slm_web":
            runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_tensor_shapes_reach_the_engine(sentiment_model) -> None:
    out = run_blocking(sentiment_model.session.run({
        "input_ids": Tensor.int64([[2, 5, 3], [2, 3, 0]]),
        "attention_mask": Tensor.int64([[1, 1, 1], [1, 1, 0]]),
    }))
    assert out["probs"].shape == (2, len(sentiment_model.labels)) and out["probs"].dtype == "float32"


def test_a_graph_without_the_task_outputs_is_a_bundle_error(autocomplete_bundle: Path) -> None:
    from runtime_fakes import ScriptedEncoder  # an encoder-shaped session for a decoder bundle

    with pytest.raises(slm_web.BundleError, match="lacks the output 'top_logits'"):
        run_blocking(slm_web.load(autocomplete_bundle, backend=ScriptedEncoder()))
