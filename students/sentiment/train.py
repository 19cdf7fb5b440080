"""``python -m students.train sentiment``: data → teacher → soft labels → distilled 2-layer student.

Every stage writes its result under ``students/runs/sentiment/`` and is skipped when that result
exists, and the training stages resume from their last checkpoint, so rerunning the command after
an interruption continues where it stopped. Stages:

1. data (students.sentiment.data);
2. teacher: all-MiniLM-L6-v2 + classification head, fine-tuned on the hard labels;
3. soft labels: the teacher's logits on the training set (computed once, ``teacher_logits.pt``);
4. student: the teacher's lower ``--layers`` layers, distilled from soft + hard labels;
5. optional ``--tune-from DIR``: continue distilling a (vocabulary-pruned) student checkpoint with its
   own tokenizer, so it adapts to the new tokenization of rare words (see students.sentiment.export).
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
from students.sentiment.fit import Schedule, fit
from students.sentiment.model import accuracy, classifier_from, encode, load_tokenizer, predict_logits

RUNS = Path(__file__).resolve().parents[1] / "runs" / "sentiment"
TEACHER = Schedule(epochs=2, batch=32, lr=8e-5)
STUDENT = Schedule(epochs=6, batch=32, lr=1.5e-4)
TUNE = Schedule(epochs=2, batch=32, lr=5e-5, warmup=0.05)
TEMPERATURE = 2.0
SOFT_WEIGHT = 0.7  # share of the distillation term in the student loss; the rest is hard-label CE


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


def labels_of(examples: list[data.Example]) -> list[int]:
    return [data.LABELS.index(e.label) for e in examples]


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


class HardLoss:
    def __init__(self, seqs: list[list[int]], labels: list[int]) -> None:
        self.seqs, self.labels = seqs, torch.tensor(labels)

    def __call__(self, logits: torch.Tensor, idx: list[int]) -> torch.Tensor:
        return F.cross_entropy(logits, self.labels[idx])


class DistillLoss(HardLoss):
    """Hinton distillation: KL to the teacher's tempered distribution (scaled by T²) + hard-label CE."""

    def __init__(self, seqs: list[list[int]], labels: list[int], teacher_logits: torch.Tensor) -> None:
        super().__init__(seqs, labels)
        self.soft = F.log_softmax(teacher_logits / TEMPERATURE, -1)

    def __call__(self, logits: torch.Tensor, idx: list[int]) -> torch.Tensor:
        kl = F.kl_div(F.log_softmax(logits / TEMPERATURE, -1), self.soft[idx], log_target=True,
                      reduction="batchmean")
        return SOFT_WEIGHT * kl * TEMPERATURE**2 + (1 - SOFT_WEIGHT) * super().__call__(logits, idx)


def dev_accuracy(folder: Path) -> float:
    model = classifier_from(folder)
    dev = data.read_split("dev")
    return accuracy(predict_logits(model, encode(load_tokenizer(folder), [e.text for e in dev])),
                    labels_of(dev))


def teacher_logits(teacher_dir: Path, seqs: list[list[int]]) -> torch.Tensor:
    path = RUNS / "teacher_logits.pt"
    if not path.exists():
        log("computing teacher soft labels on the training set")
        torch.save(predict_logits(classifier_from(teacher_dir), seqs), path)
    return torch.load(path)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m students.train sentiment",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--layers", type=int, default=2, help="student depth (lower layers of the teacher)")
    ap.add_argument("--tune-from", type=Path, help="pruned student checkpoint to continue distilling")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    random.seed(0)
    torch.manual_seed(0)
    RUNS.mkdir(parents=True, exist_ok=True)

    log(f"data: {json.dumps(data.prepare()['splits'])}")
    train = data.read_split("train")
    texts, labels = [e.text for e in train], labels_of(train)
    base = sources.minilm()
    seqs = encode(load_tokenizer(base), texts)

    teacher_dir = RUNS / "teacher"
    train_stage(classifier_from(base), base, teacher_dir, HardLoss(seqs, labels), TEACHER)
    log(f"teacher dev accuracy {dev_accuracy(teacher_dir):.4f}")
    soft = teacher_logits(teacher_dir, seqs)
    log(f"teacher train accuracy {accuracy(soft, labels):.4f}")

    if args.tune_from is None:
        student_dir = RUNS / f"student_l{args.layers}"
        student, tok_dir, schedule = classifier_from(teacher_dir, args.layers), base, STUDENT
        student_seqs = seqs
    else:
        student_dir = args.tune_from.with_name(args.tune_from.name + "_tuned")
        student, tok_dir, schedule = classifier_from(args.tune_from), args.tune_from, TUNE
        student_seqs = encode(load_tokenizer(tok_dir), texts)
    torch.manual_seed(0)
    train_stage(student, tok_dir, student_dir, DistillLoss(student_seqs, labels, soft), schedule)
    log(f"student {student_dir.name} dev accuracy {dev_accuracy(student_dir):.4f}")
    return 0
