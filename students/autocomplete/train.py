"""``python -m students.train autocomplete``: train the GPT-2-style student (resumable, CPU, 1 thread).

Runs in ``students/runs/autocomplete/``: ``tokenizer.json``, token streams, ``state.pt`` (model +
optimizer + step, saved every ``--save-minutes``) and ``hf/`` (the latest HF-layout export in fp32).
``--export-only`` writes the committed fp16 checkpoint from the latest state.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel

from students.autocomplete import data, tokenizer

CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "autocomplete"
TOKENIZER = data.RUNS / "tokenizer.json"
STATE = data.RUNS / "state.pt"
HF_DIR = data.RUNS / "hf"

MODEL = {"n_layer": 4, "n_embd": 256, "n_head": 4, "n_positions": 256}


def model_config() -> GPT2Config:
    return GPT2Config(
        architectures=["GPT2LMHeadModel"], vocab_size=tokenizer.VOCAB_SIZE, bos_token_id=0, eos_token_id=0,
        tie_word_embeddings=True,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,  # ≈ one pass over the data: no dropout needed
        **MODEL,
    )


def lr_at(step: int, progress: float, peak: float, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine decay to 10 % of the peak as progress goes 0 → 1."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


class Schedule:
    """Progress through training: by steps, or by wall clock when a deadline is set.

    The machine is shared and a step takes 2–15 s depending on the load, so a fixed step count either
    misses the deadline or leaves time unused. With ``--deadline`` the remaining progress is spread over
    the remaining wall time (from the progress saved at the last checkpoint); batches still depend only
    on (seed, step), and the log records the learning rate of every logged step.
    """

    def __init__(self, steps: int, deadline: float | None, progress: float, first_step: int = 0) -> None:
        self.steps, self.deadline, self.first_step = steps, deadline, first_step
        self.start, self.p0 = time.time(), progress

    def progress(self, step: int) -> float:
        by_steps = (step - self.first_step) / self.steps
        if self.deadline is None:
            return by_steps
        span = max(1.0, self.deadline - self.start)
        return max(by_steps, self.p0 + (1 - self.p0) * (time.time() - self.start) / span)


def parse_deadline(hhmm: str | None) -> float | None:
    """Today's (UTC) HH:MM as a Unix time."""
    if not hhmm:
        return None
    now = datetime.datetime.now(datetime.UTC)
    hour, minute = (int(x) for x in hhmm.split(":"))
    return now.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp()


def export_hf(model: GPT2LMHeadModel, out: Path, fp16: bool) -> None:
    """HF layout: config.json, model.safetensors (tied lm_head stored once), tokenizer.json."""
    out.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(out)
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()
             if k != "lm_head.weight"}
    if fp16:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    save_file(state, out / "model.safetensors", metadata={"format": "pt"})
    (out / "tokenizer.json").write_bytes(TOKENIZER.read_bytes())


def save_state(model, opt, step: int, progress: float, args: argparse.Namespace) -> None:
    tmp = STATE.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "progress": progress,
                "args": vars(args)}, tmp)
    os.replace(tmp, STATE)  # atomic: a kill mid-save never leaves a broken state
    export_hf(model, HF_DIR, fp16=False)


@torch.no_grad()
def heldout_loss(model: GPT2LMHeadModel, stream: np.ndarray, length: int, max_windows: int = 64) -> float:
    """Mean token cross-entropy over evenly spaced held-out windows (cheap progress signal)."""
    model.eval()
    starts = np.linspace(0, len(stream) - length - 1, num=max_windows).astype(int)
    batch = torch.from_numpy(np.stack([stream[s:s + length + 1] for s in starts]).astype(np.int64))
    loss = window_loss(model, batch).item()
    model.train()
    return loss


def window_loss(model: GPT2LMHeadModel, batch: torch.Tensor) -> torch.Tensor:
    """Next-token cross-entropy of (length + 1)-token windows: every position has a target."""
    logits = model(input_ids=batch[:, :-1]).logits
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))


def init_from_checkpoint(model: GPT2LMHeadModel, src: Path) -> int:
    """Load an exported checkpoint's weights (fp16 → fp32); return the step its metrics.json records."""
    from safetensors.torch import load_file

    state = {k: v.float() for k, v in load_file(src / "model.safetensors").items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {"lm_head.weight"}:  # lm_head is tied to wte and stored once
        raise ValueError(f"{src} does not fit the student: missing {missing}, unexpected {unexpected}")
    model.tie_weights()
    metrics = src / "metrics.json"
    return json.loads(metrics.read_text())["training"]["steps"] if metrics.exists() else 0


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m students.train autocomplete")
    p.add_argument("--steps", type=int, default=1500, help="at most this many steps")
    p.add_argument("--deadline", help="UTC HH:MM: spread the schedule over the wall time left until then")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--length", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=60)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--save-minutes", type=float, default=10.0)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--export-only", action="store_true", help="write the fp16 checkpoint from state.pt")
    p.add_argument("--export-to", type=Path, default=CHECKPOINT, metavar="DIR",
                   help="where --export-only writes (default: the committed checkpoint the site ships)")
    p.add_argument("--new-schedule", action="store_true",
                   help="continue a finished run: keep weights and optimizer, warm up again to --lr "
                        "and decay over a fresh schedule (a warm restart)")
    p.add_argument("--init-from", type=Path, metavar="DIR",
                   help="no state.pt yet: start from this HF checkpoint (e.g. the committed one) with its "
                        "tokenizer and a fresh optimizer, on a new schedule")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    torch.set_num_threads(1)
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    torch.manual_seed(args.seed)
    if args.init_from and not STATE.exists():
        # The checkpoint's token ids are only meaningful with its own tokenizer: never retrain one.
        TOKENIZER.parent.mkdir(parents=True, exist_ok=True)
        TOKENIZER.write_bytes((args.init_from / "tokenizer.json").read_bytes())
    tok = tokenizer.load_or_train(TOKENIZER, data.training_text())
    paths = data.build_streams(tok)
    model = GPT2LMHeadModel(model_config())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    step, progress = 0, 0.0
    if STATE.exists():
        saved = torch.load(STATE, weights_only=False)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        step = saved["step"]
        progress = saved.get("progress", step / saved["args"]["steps"])
        print(f"resumed at step {step} (progress {progress:.3f})", flush=True)
    elif args.init_from:
        step = init_from_checkpoint(model, args.init_from)
        args.new_schedule = True
        print(f"initialised from {args.init_from} (step {step})", flush=True)
    warm_from = 0  # the step the current schedule's warm-up starts at
    if args.new_schedule:
        warm_from, progress = step, 0.0
        print(f"new schedule from step {step}: peak lr {args.lr:.1e}", flush=True)
    if args.export_only:
        export_hf(model, args.export_to, fp16=True)
        print(f"exported step {step} to {args.export_to}")
        return 0
    n_params = sum(p.numel() for p in model.parameters())
    print(f"params {n_params / 1e6:.2f}M, at most {args.steps} steps, deadline {args.deadline}, "
          f"batch {args.batch}x{args.length}", flush=True)
    streams = {name: np.load(p["train"]) for name, p in paths.items()}
    held = np.concatenate([np.load(p["heldout"]) for p in paths.values()])
    batches = data.Batches(streams, args.batch, args.length, args.seed)
    model.train()
    schedule = Schedule(args.steps, parse_deadline(args.deadline), progress, warm_from)
    t0, last_save, done0, smooth = time.time(), time.time(), step, None
    while progress < 1.0:
        lr = lr_at(step - warm_from, progress, args.lr, args.warmup)
        for group in opt.param_groups:
            group["lr"] = lr
        batch = torch.from_numpy(batches(step))
        loss = window_loss(model, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        progress = schedule.progress(step)
        smooth = loss.item() if smooth is None else 0.95 * smooth + 0.05 * loss.item()
        if step % args.log_every == 0 or progress >= 1.0:
            rate = (time.time() - t0) / (step - done0)
            eta = (1 - progress) * (time.time() - t0) / max(1e-9, progress - schedule.p0)
            print(f"step {step} progress {progress:.3f} loss {smooth:.3f} lr {lr:.2e} {rate:.2f}s/step "
                  f"eta {eta / 60:.0f} min", flush=True)
        if time.time() - last_save > args.save_minutes * 60 or progress >= 1.0:
            save_state(model, opt, step, progress, args)
            last_save = time.time()
            held_loss = heldout_loss(model, held, args.length)
            print(f"saved step {step}; held-out loss {held_loss:.3f}", flush=True)
    return 0
