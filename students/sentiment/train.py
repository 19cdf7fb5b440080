"""``python -m students.train sentiment``: data → teacher → soft labels → distilled 3-layer student.

Every stage writes its result under ``students/runs/sentiment/`` and is skipped when that result
exists, and the training stages resume from their last checkpoint, so rerunning the command after
an interruption continues where it stopped. Stages:

1. data (students.sentiment.data): labeled train/dev/test splits and an unlabeled transfer set;
2. teacher: all-MiniLM-L6-v2 + classification head, fine-tuned on the hard labels; then one gentler
   pass over the same data at a lower learning rate (``teacher_polished``), which lifted dev accuracy;
3. soft labels: the polished teacher's logits on the training texts, the transfer set and ``--augment``
   perturbed copies of the training texts (students.sentiment.augment), computed once;
4. student init: the teacher's lower ``--layers`` layers, its vocabulary pruned to the pieces of
   frequent training words (students.sentiment.export.prune) unless ``--full-vocab``; pruning before
   distillation lets the student learn with the tokenization it will ship with;
5. student: distilled from the soft labels (+ hard labels where there are any).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from students import sources
from students.sentiment import data
from students.sentiment.augment import augment
from students.sentiment.export import prune
from students.sentiment.fit import Schedule, fit
from students.sentiment.model import accuracy, classifier_from, encode, load_tokenizer, predict_logits

RUNS = Path(__file__).resolve().parents[1] / "runs" / "sentiment"
TEACHER = Schedule(epochs=1.5, batch=32, lr=8e-5)
TEACHER_POLISH = Schedule(epochs=1, batch=32, lr=3e-5, seed=1)  # seed 1: another batch order than pass 1
STUDENT = Schedule(epochs=2, batch=32, lr=1.5e-4)
TEMPERATURE = 2.0
SOFT_WEIGHT = 0.7  # share of the distillation term in the student loss; the rest is hard-label CE
UNLABELED = -100  # hard label of transfer-set texts (ignored by the CE term)


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def labels_of(examples: list[data.Example]) -> list[int]:
    return [data.LABELS.index(e.label) if e.label else UNLABELED for e in examples]


class HardLoss:
    """Cross-entropy on the labeled examples of a batch (0 for a batch of transfer texts only)."""

    def __init__(self, seqs: list[list[int]], labels: list[int]) -> None:
        self.seqs, self.labels = seqs, torch.tensor(labels)

    def __call__(self, logits: torch.Tensor, idx: list[int]) -> torch.Tensor:
        target = self.labels[idx]
        labeled = max(1, int((target != UNLABELED).sum()))
        return F.cross_entropy(logits, target, ignore_index=UNLABELED, reduction="sum") / labeled


class DistillLoss(HardLoss):
    """Hinton distillation: KL to the teacher's tempered distribution (scaled by T²) + hard-label CE."""

    def __init__(self, seqs: list[list[int]], labels: list[int], teacher_logits: torch.Tensor) -> None:
        super().__init__(seqs, labels)
        self.soft = F.log_softmax(teacher_logits / TEMPERATURE, -1)

    def __call__(self, logits: torch.Tensor, idx: list[int]) -> torch.Tensor:
        kl = F.kl_div(F.log_softmax(logits / TEMPERATURE, -1), self.soft[idx], log_target=True,
                      reduction="batchmean")
        return SOFT_WEIGHT * kl * TEMPERATURE**2 + (1 - SOFT_WEIGHT) * super().__call__(logits, idx)


def train_stage(
    model: torch.nn.Module, tok_dir: Path, out: Path, loss_fn: HardLoss, schedule: Schedule
) -> None:
    """Fit ``model`` unless ``out`` already holds its result; save it HF-style with the tokenizer."""
    if (out / "config.json").exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    fit(model, loss_fn.seqs, loss_fn, schedule, out / "state.pt", log)
    model.save_pretrained(out)
    (out / "tokenizer.json").write_bytes((tok_dir / "tokenizer.json").read_bytes())
    (out / "state.pt").unlink()


def dev_accuracy(folder: Path) -> float:
    dev = data.read_split("dev")
    logits = predict_logits(classifier_from(folder), encode(load_tokenizer(folder), [e.text for e in dev]))
    return accuracy(logits, labels_of(dev))


def teacher_logits(teacher_dir: Path, seqs: list[list[int]], tag: str) -> torch.Tensor:
    path = RUNS / f"{teacher_dir.name}_logits{tag}.pt"
    if not path.exists() or len(torch.load(path)) != len(seqs):  # a stale cache has another row count
        log(f"computing teacher soft labels on {len(seqs)} texts")
        torch.save(predict_logits(classifier_from(teacher_dir), seqs), path)
    return torch.load(path)


def student_init(teacher_dir: Path, layers: int, pruned: bool) -> Path:
    """The teacher's lower layers saved as a checkpoint, vocabulary-pruned unless ``pruned`` is false.

    Named after the teacher (``student_l2_init`` for ``teacher``, ``student_l2_of_teacher_polished_init``
    otherwise), so students of different teachers never overwrite each other.
    """
    of = "" if teacher_dir.name == "teacher" else f"_of_{teacher_dir.name}"
    out = RUNS / f"student_l{layers}{of}_init"
    if not (out / "config.json").exists():
        classifier_from(teacher_dir, layers).save_pretrained(out)
        (out / "tokenizer.json").write_bytes((teacher_dir / "tokenizer.json").read_bytes())
    if not pruned:
        return out
    pruned_dir = out.with_name(out.name + "_pruned")
    if not (pruned_dir / "config.json").exists():
        log(f"pruned vocabulary: {json.dumps(prune(out, pruned_dir), default=str)}")
    return pruned_dir


def main(argv: list[str]) -> int:
    if argv[:1] == ["--on-grammar"]:  # the three-label head on the grammar encoder (issue 17)
        from students.sentiment import shared

        return shared.main(argv[1:])
    ap = argparse.ArgumentParser(prog="python -m students.train sentiment",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--layers", type=int, default=3, help="student depth (lower layers of the teacher)")
    ap.add_argument("--full-vocab", action="store_true", help="do not prune the student's vocabulary")
    ap.add_argument("--augment", type=int, default=3, metavar="N",
                    help="add N perturbed copies of each training text, labeled by the teacher "
                    "(students.sentiment.augment; 0: none)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    random.seed(0)
    torch.manual_seed(0)
    RUNS.mkdir(parents=True, exist_ok=True)

    log(f"data: {json.dumps(data.prepare()['splits'])}")
    train = data.read_split("train")
    base = sources.minilm()
    seqs = encode(load_tokenizer(base), [e.text for e in train])
    teacher_dir = RUNS / "teacher"
    hard = HardLoss(seqs, labels_of(train))
    train_stage(classifier_from(base), base, teacher_dir, hard, TEACHER)
    log(f"teacher dev accuracy {dev_accuracy(teacher_dir):.4f}")
    polished = RUNS / "teacher_polished"
    train_stage(classifier_from(teacher_dir), base, polished, hard, TEACHER_POLISH)
    log(f"polished teacher dev accuracy {dev_accuracy(polished):.4f}")
    teacher_dir = polished

    # The student learns from the labeled training texts, the unlabeled transfer set and (--augment)
    # perturbed copies of the training texts.
    examples = train + data.read_split("transfer")
    if args.augment:
        held_out = {data.normalize(e.text) for name in ("dev", "test") for e in data.read_split(name)}
        copies = augment([e.text for e in train], args.augment, held_out)
        examples += [data.Example(text, "", "augmented") for text in copies]
    tag = f"_aug{args.augment}" if args.augment else ""
    log(f"student data: {len(train)} labeled, {len(examples) - len(train)} teacher-labeled only")
    texts, labels = [e.text for e in examples], labels_of(examples)
    soft = teacher_logits(teacher_dir, encode(load_tokenizer(base), texts), tag)
    log(f"teacher train accuracy {accuracy(soft[: len(train)], labels[: len(train)]):.4f}")

    init = student_init(teacher_dir, args.layers, pruned=not args.full_vocab)
    student_dir = RUNS / (init.name.replace("_init", "") + tag)
    torch.manual_seed(0)
    loss = DistillLoss(encode(load_tokenizer(init), texts), labels, soft)
    train_stage(classifier_from(init), init, student_dir, loss, STUDENT)
    log(f"student {student_dir.name} dev accuracy {dev_accuracy(student_dir):.4f}")
    return 0
