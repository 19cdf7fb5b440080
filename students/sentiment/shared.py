"""Three-label sentiment as a head on the grammar student's encoder (issue 17: one encoder, two heads).

``python -m students.train sentiment --on-grammar [--tap N] [--private N]`` trains
``students/runs/sentiment/on_grammar_t{tap}_p{private}/``, resuming an interrupted run.

The model is an ordinary ``BertForSequenceClassification`` whose lower ``tap`` layers and embeddings are
copies of the committed grammar checkpoint's and stay frozen, so the shared part computes exactly what
the grammar head reads; on top sit ``private`` layers of its own, the pooler and a three-label
classifier. Frozen, the grammar task keeps its quality by construction, and a converter can pack both
heads over one copy of the shared weights (the shared tensors are byte-identical to the grammar
checkpoint's, which the packing checks).

Initialisation of the trainable part: the private layers start from the grammar layers at the same
depth (or its top layer past its depth), the pooler from the two-label sentiment student's, and the
classifier rows of "negative" and "positive" from that student's rows (the neutral row starts at zero),
so training starts from a working polar classifier.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from transformers import BertConfig, BertForSequenceClassification

from students.sentiment import calibrate, evalset, three_labels
from students.sentiment.fit import Schedule, fit
from students.sentiment.model import collate, encode, load_tokenizer, sorted_batches

CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"
GRAMMAR = CHECKPOINTS / "grammar"
POLAR_STUDENT = CHECKPOINTS / "sentiment"
RUNS = three_labels.OUT.parent
LABELS = three_labels.LABELS
SCHEDULE = Schedule(epochs=3, batch=32, lr=1e-4)
LABEL_SMOOTHING = 0.05  # the neutral band and the lexicon-free sentences are noisy labels


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def build(tap: int | None, private: int, base: Path = GRAMMAR, polar: Path = POLAR_STUDENT
          ) -> BertForSequenceClassification:
    """A three-label classifier on ``base``'s embeddings and layers.

    ``tap``: how many of ``base``'s lower layers are shared, i.e. copied and frozen with its embeddings;
    ``private`` trainable layers follow. ``tap=None``: a standalone student, ``base``'s ``private`` lower
    layers and embeddings all trained.
    """
    config = BertConfig.from_pretrained(base)
    n_base = config.num_hidden_layers
    if tap is not None and not 1 <= tap <= n_base:
        raise SystemExit(f"--tap must be 1..{n_base} (the depth of {base.name})")
    config.num_hidden_layers = (tap or 0) + private
    config.num_labels = len(LABELS)
    config.id2label = dict(enumerate(LABELS))
    config.label2id = {label: i for i, label in enumerate(LABELS)}
    config.architectures = ["BertForSequenceClassification"]
    model = BertForSequenceClassification(config)
    src = {k.removeprefix("bert."): v.float() for k, v in load_file(base / "model.safetensors").items()}
    ours = model.state_dict()
    for name in list(ours):
        key = name.removeprefix("bert.")
        if key.startswith("embeddings."):
            ours[name] = src[key]
        elif key.startswith("encoder.layer."):
            index = int(key.split(".")[2])
            from_index = min(index, n_base - 1)
            ours[name] = src[key.replace(f"layer.{index}.", f"layer.{from_index}.", 1)]
    head = {k: v.float() for k, v in load_file(polar / "model.safetensors").items()}
    ours["bert.pooler.dense.weight"] = head["bert.pooler.dense.weight"]
    ours["bert.pooler.dense.bias"] = head["bert.pooler.dense.bias"]
    polar_labels = json.loads((polar / "slm_task.json").read_text())["labels"]
    for row, label in enumerate(polar_labels):
        ours["classifier.weight"][LABELS.index(label)] = head["classifier.weight"][row]
        ours["classifier.bias"][LABELS.index(label)] = head["classifier.bias"][row]
    ours["classifier.weight"][LABELS.index("neutral")] = 0
    ours["classifier.bias"][LABELS.index("neutral")] = 0
    model.load_state_dict(ours)
    for name, param in model.named_parameters():
        key = name.removeprefix("bert.")
        shared = tap is not None and (key.startswith("embeddings.") or (
            key.startswith("encoder.layer.") and int(key.split(".")[2]) < tap))
        param.requires_grad = not shared
    return model


@torch.no_grad()
def predict(model: torch.nn.Module, seqs: list[list[int]]) -> torch.Tensor:
    """Probabilities [n, 3] in input order."""
    model.eval()
    out = torch.empty(len(seqs), len(LABELS))
    for idx in sorted_batches(seqs, 128):
        ids, mask = collate([seqs[i] for i in idx])
        out[idx] = model(input_ids=ids, attention_mask=mask).logits.float().softmax(-1)
    return out


def report(model: torch.nn.Module, tok_dir: Path) -> dict:
    """Dev figures: accuracy on the data's dev split; on the hand-written dev split, polar accuracy (a
    neutral answer on a polar sentence counts as wrong) and the share of neutral sentences found, before
    calibration; and the calibration fitted on both dev sets."""
    tok = load_tokenizer(tok_dir)
    dev = three_labels.read_split("dev")
    hand = evalset.load("dev")
    probs = predict(model, encode(tok, [e.text for e in dev] + [e.text for e in hand]))
    gold = torch.tensor([LABELS.index(e.label) for e in [*dev, *hand]])
    hand_pred = [LABELS[i] for i in probs[len(dev):].argmax(-1).tolist()]
    polar = [(p, e.label) for p, e in zip(hand_pred, hand, strict=True) if e.label != "neutral"]
    neutral = [p for p, e in zip(hand_pred, hand, strict=True) if e.label == "neutral"]
    data_hits = probs[: len(dev)].argmax(-1) == gold[: len(dev)]
    return {
        "data_dev_accuracy": round(data_hits.float().mean().item(), 4),
        "handwritten_dev_polar_accuracy": round(sum(p == g for p, g in polar) / len(polar), 4),
        "handwritten_dev_neutral_recall": round(neutral.count("neutral") / len(neutral), 4),
        **calibration(probs.log(), gold),
    }


def calibration(logits: torch.Tensor, gold: torch.Tensor) -> dict:
    """Neutral bias and temperature fitted on dev (``students.sentiment.calibrate``); export bakes them."""
    neutral = LABELS.index("neutral")
    bias = calibrate.fit_bias(logits, gold, neutral)
    shifted = logits + calibrate.bias_vector(len(LABELS), neutral, bias)
    return {"neutral_bias": bias, "temperature": calibrate.fit_temperature(shifted, gold),
            "dev_balanced_accuracy": round(calibrate.balanced_accuracy(shifted, gold), 4)}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m students.train sentiment --on-grammar",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--tap", type=int, default=2, help="grammar layers shared (the head reads their output)")
    ap.add_argument("--private", type=int, default=1, help="trainable transformer layers of the head")
    ap.add_argument("--standalone", action="store_true",
                    help="no sharing: fine-tune the two-label student's --private lower layers, all of them "
                    "trainable, into three labels (the separate bundle the shared one is compared with)")
    ap.add_argument("--epochs", type=float, default=SCHEDULE.epochs)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # the other core serves the foreground work; 2 threads thrash under load
    torch.manual_seed(0)
    log(f"data: {json.dumps(three_labels.prepare()['splits'])}")
    if args.standalone:
        base, tap, out = POLAR_STUDENT, None, RUNS / f"three_l{args.private}"
    else:
        base, tap, out = GRAMMAR, args.tap, RUNS / f"on_grammar_t{args.tap}_p{args.private}"
    model = build(tap, args.private, base)
    if not (out / "config.json").exists():
        train = three_labels.read_split("train")
        train += three_labels.implicit_polar(train)
        seqs = encode(load_tokenizer(base), [e.text for e in train])
        labels = torch.tensor([LABELS.index(e.label) for e in train])
        out.mkdir(parents=True, exist_ok=True)
        schedule = Schedule(epochs=args.epochs, batch=SCHEDULE.batch, lr=SCHEDULE.lr)

        def loss(logits: torch.Tensor, idx: list[int]) -> torch.Tensor:
            return F.cross_entropy(logits, labels[idx], label_smoothing=LABEL_SMOOTHING)

        fit(model, seqs, loss, schedule, out / "state.pt", log)
        model.save_pretrained(out)
        (out / "tokenizer.json").write_bytes((base / "tokenizer.json").read_bytes())
        (out / "state.pt").unlink()
    model = BertForSequenceClassification.from_pretrained(out)
    figures = report(model, out)
    (out / "dev.json").write_text(json.dumps(figures, indent=2) + "\n")
    log(f"{out.name}: {json.dumps(figures)}")
    return 0
