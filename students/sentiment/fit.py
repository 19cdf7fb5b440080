"""A resumable CPU training loop: AdamW + linear warmup/decay, checkpoints every few minutes, ETA logs."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from students.sentiment.model import collate, epoch_batches


@dataclass(frozen=True)
class Schedule:
    epochs: float  # fractional epochs end part-way through the last one
    batch: int
    lr: float
    warmup: float = 0.1  # fraction of all steps
    weight_decay: float = 0.01
    seed: int = 0
    save_every_s: float = 600.0


def fit(
    model: torch.nn.Module,
    seqs: list[list[int]],
    loss_fn: Callable[[torch.Tensor, list[int]], torch.Tensor],
    schedule: Schedule,
    state_path: Path,
    log: Callable[[str], None] = print,
) -> None:
    """Train ``model`` on ``seqs``; ``loss_fn(logits, batch_indices)`` gives the loss of one batch.

    ``state_path`` holds model, optimizer and step; an existing one is resumed (the batch order of
    every epoch is a function of the seed, so a resumed run sees the same batches as an unbroken one).
    """
    lengths = [len(s) for s in seqs]
    per_epoch = len(epoch_batches(lengths, schedule.batch, schedule.seed))
    total = int(per_epoch * schedule.epochs)
    warmup = max(1, int(total * schedule.warmup))
    opt = torch.optim.AdamW(model.parameters(), lr=schedule.lr, weight_decay=schedule.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )
    step = 0
    if state_path.exists():
        state = torch.load(state_path, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step = state["step"]
        log(f"resumed at step {step}/{total}")

    def save() -> None:
        tmp = state_path.with_suffix(".tmp")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "step": step}, tmp)
        tmp.replace(state_path)

    model.train()
    t0 = last_save = time.monotonic()
    start, loss_avg = step, None
    while step < total:
        epoch, i = divmod(step, per_epoch)
        idx = epoch_batches(lengths, schedule.batch, schedule.seed + epoch)[i]
        ids, mask = collate([seqs[j] for j in idx])
        loss = loss_fn(model(input_ids=ids, attention_mask=mask).logits, idx)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        now = time.monotonic()
        if step % 20 == 0 or step == total:
            rate = (now - t0) / (step - start)
            log(f"step {step}/{total} epoch {epoch + 1} loss {loss_avg:.4f} {rate:.2f}s/step "
                f"ETA {(total - step) * rate / 60:.1f} min")
        if now - last_save > schedule.save_every_s:
            save()
            last_save = now
    save()
