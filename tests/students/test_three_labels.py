"""students.sentiment.three_labels and calibrate: what counts as a plainly factual sentence, and
temperature scaling that calibrates without changing any answer."""

from __future__ import annotations

import pytest

pytest.importorskip("vaderSentiment")
torch = pytest.importorskip("torch")

from students.sentiment import calibrate, three_labels  # noqa: E402


@pytest.fixture(scope="module")
def lexicon() -> set[str]:
    return three_labels._lexicon()


@pytest.mark.parametrize("text", [
    "The meeting moves to room 4 on Thursday.",
    "I have attached the floor plan of the new office.",
    "Please send the form back by Friday.",
])
def test_schedules_and_instructions_are_factual(lexicon: set[str], text: str) -> None:
    assert three_labels.factual(text, lexicon)


@pytest.mark.parametrize("text", [
    "The meeting was a great success.",  # a rated word
    "See you on Thursday!",  # an exclamation
    "Thanks, see you then :)",  # an emoticon (and a rated word)
    "Room four.",  # too short to say anything
])
def test_opinions_exclamations_and_fragments_are_not(lexicon: set[str], text: str) -> None:
    assert not three_labels.factual(text, lexicon)


def test_temperature_is_fitted_and_baking_keeps_every_answer() -> None:
    torch.manual_seed(0)
    labels = torch.randint(0, 3, (400,))
    # Over-confident logits: right 80 % of the time, with huge margins.
    logits = torch.randn(400, 3)
    right = torch.rand(400) < 0.8
    logits[right, labels[right]] += 8
    temperature = calibrate.fit_temperature(logits, labels)
    assert temperature > 1.5
    assert calibrate.nll(logits, labels, temperature) < calibrate.nll(logits, labels, 1.0)
    head = torch.nn.Module()
    head.classifier = torch.nn.Linear(4, 3)
    features = torch.randn(50, 4)
    before = head.classifier(features).argmax(-1)
    calibrate.bake(head, temperature)
    assert torch.equal(head.classifier(features).argmax(-1), before)


def test_neutral_bias_moves_the_boundary_toward_balanced_recall() -> None:
    torch.manual_seed(1)
    labels = torch.arange(3).repeat(100)
    logits = torch.nn.functional.one_hot(labels, 3).float() * 2 + torch.randn(300, 3) * 0.5
    logits[:, 1] -= 2.5  # a model that under-calls class 1
    bias = calibrate.fit_bias(logits, labels, 1)
    assert bias > 1.0
    shifted = logits + calibrate.bias_vector(3, 1, bias)
    assert calibrate.balanced_accuracy(shifted, labels) > calibrate.balanced_accuracy(logits, labels)
