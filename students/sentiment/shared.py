"""Three-label sentiment: a head on the grammar student's encoder (issue 17), or a standalone student.

``python -m students.train sentiment --on-grammar MODE`` trains one run under ``students/runs/sentiment/``,
resuming an interrupted one; at the end it prints the dev figures and the calibration (neutral bias and
temperature) that ``python -m students.sentiment.export final RUN --temperature T --neutral-bias B`` bakes
in. Modes:

- ``--tap N --private M`` (``on_grammar_tN_pM``): an ordinary ``BertForSequenceClassification`` whose
  embeddings and lower N layers are copies of the committed grammar checkpoint's and stay frozen, so the
  shared part computes exactly what the grammar head reads, with M trainable layers of its own, the pooler
  and a three-label classifier on top. Frozen, the grammar task keeps its quality by construction, and
  ``python -m converter GRAMMAR --task grammar --head sentiment=RUN`` packs both heads over one copy of the
  shared weights.
- ``--standalone --private 3`` (``three_l3``): the two-label student fine-tuned into three labels.
- ``--teacher`` (``three_teacher``): all-MiniLM-L6 with a new three-label head, all six layers trained.
- ``--distill-from TEACHER`` (``three_distilled``): the committed three-label student distilled further
  from the teacher on the training texts plus perturbed copies only the teacher labels.

The trainable parts start from something that works: private layers from the grammar layers at the same
depth (or its top layer past its depth), the pooler from the two-label student's, and the classifier rows
of "negative" and "positive" from that student's rows (the neutral row starts at zero).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from transformers import BertConfig, BertForSequenceClassification

from students import sources
from students.sentiment import calibrate, data, evalset, evaluate, three_labels
from students.sentiment.augment import augment
from students.sentiment.fit import Schedule, fit
from students.sentiment.model import collate, encode, load_tokenizer, sorted_batches

CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"
GRAMMAR = CHECKPOINTS / "grammar"
POLAR_STUDENT = CHECKPOINTS / "sentiment"
RUNS = three_labels.OUT.parent
LABELS = three_labels.LABELS
SCHEDULE = Schedule(epochs=3, batch=32, lr=1e-4)
TEACHER_LR = 8e-5  # the two-label teacher's
LABEL_SMOOTHING = 0.05  # the neutral band and the lexicon-free sentences are noisy labels
UNLABELED = -100  # hard label of a perturbed copy (only the teacher labels it)
TEMPERATURE = 2.0  # distillation, as for the two-label student
SOFT_WEIGHT = 0.7
AUGMENT_COPIES = 1  # perturbed copies per training text when distilling
Loss = Callable[[torch.Tensor, list[int]], torch.Tensor]  # (logits, the batch's example indices) -> loss


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def build(tap: int | None, private: int, base: Path = GRAMMAR, polar: Path | None = POLAR_STUDENT
          ) -> BertForSequenceClassification:
    """A three-label classifier on ``base``'s embeddings and layers.

    ``tap``: how many of ``base``'s lower layers are shared, i.e. copied and frozen with its embeddings;
    ``private`` trainable layers follow. ``tap=None``: a standalone model, ``base``'s ``private`` lower
    layers and embeddings all trained. ``polar``: the two-label student whose pooler and rows start the
    head (None: a freshly initialised head, for a teacher on another encoder).
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
    if polar is not None:
        _polar_head(ours, polar)
    model.load_state_dict(ours)
    for name, param in model.named_parameters():
        key = name.removeprefix("bert.")
        shared = tap is not None and (key.startswith("embeddings.") or (
            key.startswith("encoder.layer.") and int(key.split(".")[2]) < tap))
        param.requires_grad = not shared
    return model


def _polar_head(ours: dict[str, torch.Tensor], polar: Path) -> None:
    """Pooler and classifier rows from the student in ``polar``, by label; a label it lacks (neutral, for
    the two-label student) starts from zero."""
    head = {k: v.float() for k, v in load_file(polar / "model.safetensors").items()}
    ours["bert.pooler.dense.weight"] = head["bert.pooler.dense.weight"]
    ours["bert.pooler.dense.bias"] = head["bert.pooler.dense.bias"]
    their_labels = json.loads((polar / "slm_task.json").read_text())["labels"]
    for index, label in enumerate(LABELS):
        row = their_labels.index(label) if label in their_labels else None
        for part in ("weight", "bias"):
            ours[f"classifier.{part}"][index] = 0 if row is None else head[f"classifier.{part}"][row]


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
    """Dev figures: accuracy on the data's dev split; on the hand-written dev split, polar accuracy and
    neutral recall as ``students.evaluate sentiment`` scores them, before calibration; and the calibration
    fitted on both dev sets."""
    tok = load_tokenizer(tok_dir)
    dev = three_labels.read_split("dev")
    hand = evalset.load("dev")
    probs = predict(model, encode(tok, [e.text for e in dev] + [e.text for e in hand]))
    gold = torch.tensor([LABELS.index(e.label) for e in [*dev, *hand]])
    hand_scores = [dict(zip(LABELS, row, strict=True)) for row in probs[len(dev):].tolist()]
    handwritten = evaluate.score_handwritten(hand_scores, hand)
    data_hits = probs[: len(dev)].argmax(-1) == gold[: len(dev)]
    return {
        "data_dev_accuracy": round(data_hits.float().mean().item(), 4),
        "handwritten_dev_polar_accuracy": handwritten["polar_accuracy"],
        "handwritten_dev_neutral_recall": handwritten["neutral_recall"],
        **calibration(probs.log(), gold, slice(len(dev), None)),
    }


def calibration(logits: torch.Tensor, gold: torch.Tensor, handwritten: slice) -> dict:
    """Neutral bias and temperature fitted on dev (``students.sentiment.calibrate``); export bakes them.

    The bias is fitted on the hand-written dev sentences only (``handwritten`` selects them): their
    neutral ones are the plainly factual text the class is for, while the data's dev neutral band
    (mean human rating near zero) is mostly mixed opinion. The temperature uses every dev text."""
    neutral = LABELS.index("neutral")
    bias = calibrate.fit_bias(logits[handwritten], gold[handwritten], neutral)
    shifted = logits + calibrate.bias_vector(len(LABELS), neutral, bias)
    return {"neutral_bias": bias, "temperature": calibrate.fit_temperature(shifted, gold),
            "handwritten_dev_balanced_accuracy": round(
                calibrate.balanced_accuracy(shifted[handwritten], gold[handwritten]), 4)}


@dataclass(frozen=True)
class Run:
    """One training run of this recipe: the model it starts from and where it goes."""

    out: Path
    base: Path  # whose embeddings, layers and tokenizer
    tap: int | None
    private: int
    polar: Path | None = POLAR_STUDENT
    lr: float = SCHEDULE.lr
    teacher: Path | None = None  # distil from this three-label model on perturbed copies too


def plan(args: argparse.Namespace) -> Run:
    if args.teacher:  # all-MiniLM-L6 with a new three-label head, all six layers trained
        return Run(RUNS / "three_teacher", sources.minilm(), None, 6, polar=None, lr=TEACHER_LR)
    if args.distill_from:  # the committed three-label student, distilled further from a teacher
        return Run(RUNS / "three_distilled", POLAR_STUDENT, None, 3, polar=None, teacher=args.distill_from)
    if args.standalone:
        return Run(RUNS / f"three_l{args.private}", POLAR_STUDENT, None, args.private)
    return Run(RUNS / f"on_grammar_t{args.tap}_p{args.private}", GRAMMAR, args.tap, args.private)


def training_loss(run: Run, examples: list[data.Example]) -> Loss:
    """Label-smoothed cross-entropy; with a teacher, Hinton distillation plus that (unlabeled: KL only)."""
    labels = torch.tensor([LABELS.index(e.label) if e.label else UNLABELED for e in examples])

    def hard(logits: torch.Tensor, idx: list[int]) -> torch.Tensor:
        target = labels[idx]
        if (target == UNLABELED).all():
            return logits.sum() * 0
        return F.cross_entropy(logits, target, ignore_index=UNLABELED, label_smoothing=LABEL_SMOOTHING)

    if run.teacher is None:
        return hard
    soft = teacher_log_probs(run.teacher, [e.text for e in examples])

    def distill(logits: torch.Tensor, idx: list[int]) -> torch.Tensor:
        kl = F.kl_div(F.log_softmax(logits / TEMPERATURE, -1), soft[idx], log_target=True,
                      reduction="batchmean")
        return SOFT_WEIGHT * kl * TEMPERATURE**2 + (1 - SOFT_WEIGHT) * hard(logits, idx)

    return distill


def soft_label_cache(teacher: Path, texts: list[str]) -> Path:
    """Where the teacher's soft labels on ``texts`` are kept: under runs/, not beside a committed teacher,
    named by a hash of its weights and of the texts, so a retrained teacher or other texts never reuse
    another's."""
    digest = hashlib.sha256((teacher / "model.safetensors").read_bytes())
    digest.update(json.dumps(texts).encode())
    return RUNS / f"{teacher.name}_soft_{digest.hexdigest()[:16]}.pt"


def teacher_log_probs(teacher: Path, texts: list[str]) -> torch.Tensor:
    """The teacher's tempered log-probabilities on ``texts``, cached (:func:`soft_label_cache`)."""
    cache = soft_label_cache(teacher, texts)
    if not cache.exists():
        log(f"teacher soft labels on {len(texts)} texts")
        model = BertForSequenceClassification.from_pretrained(teacher).float()  # committed as fp16
        seqs = encode(load_tokenizer(teacher), texts)
        logits = predict(model, seqs).log()  # predict gives probabilities; log recovers shifted logits
        torch.save(F.log_softmax(logits / TEMPERATURE, -1), cache)
    return torch.load(cache)


def training_set(run: Run) -> list[data.Example]:
    """Train (+ the implicit-polar repeats); with a teacher also perturbed copies it labels alone."""
    train = three_labels.read_split("train")
    train += three_labels.implicit_polar(train)
    if run.teacher is not None:
        held_out = {data.normalize(e.text) for e in [*three_labels.read_split("dev"), *evalset.load("dev"),
                                                      *evalset.load("test")]}
        originals = list(dict.fromkeys(e.text for e in train))
        train += [data.Example(t, "", "augmented") for t in augment(originals, AUGMENT_COPIES, held_out)]
    return train


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m students.train sentiment --on-grammar",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--tap", type=int, default=2, help="grammar layers shared (the head reads their output)")
    ap.add_argument("--private", type=int, default=1, help="trainable transformer layers of the head")
    ap.add_argument("--standalone", action="store_true",
                    help="no sharing: fine-tune the two-label student's --private lower layers, all of them "
                    "trainable, into three labels (the separate bundle the shared one is compared with)")
    ap.add_argument("--teacher", action="store_true",
                    help="train a three-label teacher: all-MiniLM-L6, all six layers")
    ap.add_argument("--distill-from", type=Path, metavar="TEACHER",
                    help="distil the committed student further from TEACHER on train + perturbed copies")
    ap.add_argument("--epochs", type=float, default=SCHEDULE.epochs)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # the other core serves the foreground work; 2 threads thrash under load
    torch.manual_seed(0)
    log(f"data: {json.dumps(three_labels.prepare()['splits'])}")
    run = plan(args)
    if not (run.out / "config.json").exists():
        model = (BertForSequenceClassification.from_pretrained(run.base).float() if run.teacher is not None
                 else build(run.tap, run.private, run.base, run.polar))
        examples = training_set(run)
        seqs = encode(load_tokenizer(run.base), [e.text for e in examples])
        loss = training_loss(run, examples)
        run.out.mkdir(parents=True, exist_ok=True)
        log(f"{run.out.name}: {len(examples)} training texts")
        fit(model, seqs, loss, Schedule(epochs=args.epochs, batch=SCHEDULE.batch, lr=run.lr),
            run.out / "state.pt", log)
        model.save_pretrained(run.out)
        (run.out / "tokenizer.json").write_bytes((run.base / "tokenizer.json").read_bytes())
        (run.out / "state.pt").unlink()
    model = BertForSequenceClassification.from_pretrained(run.out)
    figures = report(model, run.out)
    (run.out / "dev.json").write_text(json.dumps(figures, indent=2) + "\n")
    log(f"{run.out.name}: {json.dumps(figures)}")
    return 0
