"""Train the grammar tagger: MiniLM's lower 3 layers + a token-classification head over GECToR tags.

``python -m students.train grammar [--steps N] [--hours H] [--lr LR] [--new-schedule]`` builds the data if
needed, picks the tag and WordPiece vocabularies, trains on CPU with one thread (resumable from
``runs/grammar/state.pt``; ``--hours`` stops early and still writes the result), and writes the fp32 HF
checkpoint to ``runs/grammar/final``. ``students.grammar.export`` turns that into the committed, pruned
fp16 checkpoint.

The committed checkpoint came from four legs of one run (see its model card): steps 0-1765 at lr 1e-4
with an unweighted loss, 1765-2302 with ``KEEP_WEIGHT``, then ``--new-schedule --lr 1.5e-4 --steps 4000``,
then ``--new-schedule --lr 1.2e-4 --steps 9500``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path

import torch
from transformers import BertConfig, BertForTokenClassification

from students import sources
from students.grammar import data, lexicon, pronunciation, wordpieces

RUNS = data.RUNS
N_LAYERS = 3
MIN_TAG_COUNT = 5  # tags seen fewer times in training are not in the vocabulary (their words are ignored)
VOCAB_SIZE = 9000  # WordPiece pieces kept (embeddings are most of the bundle: see the model card)
MAX_TOKENS = 64
BATCH = 32
LR, WARMUP = 1e-4, 100
SAVE_EVERY_S = 600
IGNORE = -100
# $KEEP is ~85 % of the labels; down-weighting it gives the rare edit tags more of the gradient. (This run
# switched to it at step 1780 after resuming; the $KEEP bias tuned at the end re-calibrates the output.)
KEEP_WEIGHT = 0.25


def tag_vocabulary(rows: list[dict]) -> list[str]:
    counts = Counter(t for r in rows for t in r["tags"])
    kept = [t for t, n in counts.most_common() if n >= MIN_TAG_COUNT and t != "$KEEP"]
    return ["$KEEP", *kept]


def encode(rows: list[dict], tokenizer, tag_ids: dict[str, int]) -> list[tuple[list[int], list[int]]]:
    """(input ids, labels): each word labelled at its first piece, [CLS] with the virtual start word."""
    out = []
    for r in rows:
        enc = tokenizer.encode(r["src"])
        if len(enc.ids) > MAX_TOKENS:
            continue
        words = [w for w in enc.word_ids if w is not None]
        if not words or words[-1] + 2 != len(r["tags"]):
            continue  # the pre-tokenizer disagreed with the labels (should not happen)
        labels, prev = [IGNORE] * len(enc.ids), None
        labels[0] = tag_ids.get(r["tags"][0], IGNORE)
        for pos, w in enumerate(enc.word_ids):
            if w is not None and w != prev:
                labels[pos] = tag_ids.get(r["tags"][w + 1], IGNORE)
            prev = w
        out.append((enc.ids, labels))
    return out


def batches(examples: list, rng: random.Random):
    """Endless shuffled batches of similar length (less padding on CPU)."""
    while True:
        order = list(range(len(examples)))
        rng.shuffle(order)
        for start in range(0, len(order), BATCH * 50):
            chunk = sorted(order[start:start + BATCH * 50], key=lambda i: len(examples[i][0]))
            group = [chunk[i:i + BATCH] for i in range(0, len(chunk), BATCH)]
            rng.shuffle(group)
            yield from group


def collate(examples: list, idx: list[int]) -> dict[str, torch.Tensor]:
    n = max(len(examples[i][0]) for i in idx)
    ids = torch.zeros(len(idx), n, dtype=torch.long)
    mask = torch.zeros(len(idx), n, dtype=torch.long)
    labels = torch.full((len(idx), n), IGNORE, dtype=torch.long)
    for row, i in enumerate(idx):
        x, y = examples[i]
        ids[row, :len(x)], mask[row, :len(x)], labels[row, :len(y)] = torch.tensor(x), 1, torch.tensor(y)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def build_model(tags: list[str]) -> BertForTokenClassification:
    src = sources.minilm()
    config = BertConfig.from_pretrained(
        src, num_hidden_layers=N_LAYERS, num_labels=len(tags),
        id2label=dict(enumerate(tags)), label2id={t: i for i, t in enumerate(tags)})
    config.architectures = ["BertForTokenClassification"]
    model = BertForTokenClassification.from_pretrained(src, config=config)
    # The pretrained piece embeddings stay frozen: they are 2/3 of the parameters and most of the optimiser's
    # time on CPU, and a one-epoch run gains little from moving them.
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


@torch.no_grad()
def dev_accuracy(model, examples: list) -> float:
    """Share of labelled words whose argmax tag is right, and of non-KEEP ones (printed)."""
    model.eval()
    right = total = 0
    for start in range(0, len(examples), 64):
        b = collate(examples, list(range(start, min(start + 64, len(examples)))))
        pred = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits.argmax(-1)
        sel = b["labels"] > 0  # the edits (KEEP is id 0)
        right += int((pred[sel] == b["labels"][sel]).sum())
        total += int(sel.sum())
    model.train()
    return right / max(total, 1)


def prepare() -> tuple[list[str], dict, object]:
    """Tag vocabulary, WordPiece choice and tokenizer; cached in runs/grammar/vocab.json."""
    paths = data.build()
    rows = data.read(paths["train"])
    cache = RUNS / "vocab.json"
    full_tok = sources.minilm() / "tokenizer.json"
    if cache.exists():
        v = json.loads(cache.read_text())
    else:
        kept, words = wordpieces.choose(full_tok, (t for r in rows for t in (r["src"], r["tgt"])), VOCAB_SIZE)
        v = {"tags": tag_vocabulary(rows), "pieces": sorted(kept), "corpus_words": words}
        cache.write_text(json.dumps(v))
    return v["tags"], rows, wordpieces.restricted(full_tok, set(v["pieces"]))


def task_config(tags: list[str], min_confidence: float) -> dict:
    """The checkpoint's slm_task.json: the transform tables the tag vocabulary uses, known misspellings."""
    used = {t.removeprefix("$TRANSFORM_") for t in tags if t.startswith("$TRANSFORM_")}
    tables = {k: v for k, v in lexicon.transforms().items() if k in used}
    return {"transforms": tables, "spellings": lexicon.runtime_spellings(), "min_confidence": min_confidence,
            "max_passes": 3, "article_sounds": pronunciation.article_sounds()}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m students.train grammar")
    ap.add_argument("--steps", type=int, default=3400)
    ap.add_argument("--measure", type=int, default=0, help="time this many steps and stop")
    ap.add_argument("--hours", type=float, default=0.0, help="stop (and write final/) after this wall time")
    ap.add_argument("--lr", type=float, default=LR)
    ap.add_argument("--new-schedule", action="store_true", help="resume with a fresh optimizer and schedule")
    ap.add_argument("--init-from", type=Path, metavar="DIR",
                    help="no state.pt yet: start from this exported (pruned, fp16) checkpoint, e.g. the "
                         "committed one, on a new schedule")
    ap.add_argument("--init-case-bias", type=float, default=0.0,
                    help="the --case-bias that checkpoint was exported with (added back to the logit)")
    ap.add_argument("--int4-embeddings", action="store_true",
                    help="snap the frozen word-piece table to the converter's 4-bit grid first (for bundles "
                         "converted with --embedding-bits 4)")
    ap.add_argument("--int4-matmuls", action="store_true",
                    help="train against the converter's 4-bit MatMul weights (students.fake_quant; for "
                         "bundles converted with --matmul-bits 4)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(data.SEED)
    tags, rows, tokenizer = prepare()
    tag_ids = {t: i for i, t in enumerate(tags)}
    train = encode(rows, tokenizer, tag_ids)
    dev = encode(data.read(RUNS / "dev.jsonl"), tokenizer, tag_ids)
    print(f"{len(tags)} tags, {tokenizer.get_vocab_size()} pieces, {len(train)} train / {len(dev)} dev",
          flush=True)
    model = build_model(tags)
    class_weights = torch.ones(len(tags))
    class_weights[tag_ids["$KEEP"]] = KEEP_WEIGHT
    state_path, step = RUNS / "state.pt", 0
    state = torch.load(state_path, weights_only=False) if state_path.exists() and not args.measure else None
    if state:
        model.load_state_dict(state["model"])
        step = state["step"]
    elif args.init_from:
        unprune_into(model, args.init_from, tags, args.init_case_bias)
        args.new_schedule = True
        print(f"initialised from {args.init_from}", flush=True)
    if args.int4_embeddings:
        snap_to_int4(model)
    if args.int4_matmuls:
        from students.fake_quant import fake_quantize_linears

        print(f"{fake_quantize_linears(model)} Linear layers train on 4-bit weights", flush=True)
    # With --new-schedule a resumed run restarts warm-up and linear decay over the steps left, at --lr.
    first = step if args.new_schedule else 0
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / WARMUP) * max(0.0, 1 - s / (args.steps - first)))
    if state and not args.new_schedule:
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
    if state:
        print(f"resumed at step {step}", flush=True)
    stream = batches(train, random.Random(f"{data.SEED}-{step}"))  # a resumed run draws fresh batches
    model.train()
    t0 = last_save = time.time()
    start_step, loss_avg = step, None
    total = args.measure or args.steps
    stop_at = t0 + args.hours * 3600 if args.hours else math.inf
    while step < total and time.time() < stop_at:
        b = collate(train, next(stream))
        labels = b.pop("labels")
        logits = model(**b).logits
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten(), weight=class_weights,
                                                 ignore_index=IGNORE)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        step += 1
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        if step % 50 == 0 or args.measure:
            rate = (time.time() - t0) / (step - start_step)
            eta = (total - step) * rate / 60
            print(f"step {step}/{total} loss {loss_avg:.4f} {rate:.2f}s/step ETA {eta:.1f} min", flush=True)
        due = time.time() - last_save > SAVE_EVERY_S or step == total or time.time() >= stop_at
        if not args.measure and due:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                        "step": step}, state_path.with_suffix(".tmp"))
            state_path.with_suffix(".tmp").rename(state_path)
            save_hf(model, tokenizer, tags, RUNS / "latest")
            print(f"saved at step {step}; dev edit-tag accuracy {dev_accuracy(model, dev):.3f}", flush=True)
            last_save = time.time()
    if args.measure:
        return 0
    save_hf(model, tokenizer, tags, RUNS / "final")
    return 0


def unprune_into(model: BertForTokenClassification, src: Path, tags: list[str], case_bias: float) -> None:
    """Load an exported checkpoint into the full-vocabulary training model.

    Export pruned the word-piece table to the training vocabulary and lowered the ``$CASE_CAPITAL`` logit by
    ``case_bias``; this puts each kept row back at its full-vocabulary id (the other rows are never used by
    the restricted tokenizer) and undoes the bias, so training resumes where the exported model stood. The
    classifier rows are matched by tag name, so a grown tag vocabulary starts from the trained rows.
    """
    from safetensors.torch import load_file

    exported = json.loads((src / "config.json").read_text())
    old_tags = [exported["id2label"][str(i)] for i in range(len(exported["id2label"]))]
    pruned = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    full = json.loads((sources.minilm() / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]
    state = {k: v.float() for k, v in load_file(src / "model.safetensors").items()}
    key = "bert.embeddings.word_embeddings.weight"
    table = model.state_dict()[key].clone()
    for piece, row in pruned.items():
        table[full[piece]] = state[key][row]
    state[key] = table
    state["classifier.bias"][old_tags.index("$CASE_CAPITAL")] += case_bias
    # The tag vocabulary may have grown with the data: tags both know keep their trained head rows, new
    # ones keep the fresh initialisation.
    for name in ("classifier.weight", "classifier.bias"):
        rows = model.state_dict()[name].clone()
        for new, tag in enumerate(tags):
            if tag in old_tags:
                rows[new] = state[name][old_tags.index(tag)]
        state[name] = rows
    model.load_state_dict(state)


def snap_to_int4(model: BertForTokenClassification) -> None:
    """Replace the word-piece table by its 4-bit round trip (``converter.int4``, what the bundle will hold).

    The table is frozen, so the layers above then train against exactly those values, and converting with
    ``--embedding-bits 4`` changes nothing the model has not seen (idempotent: snapped values stay put).
    """
    from converter import int4

    table = model.bert.embeddings.word_embeddings.weight
    table.data.copy_(torch.from_numpy(int4.dequantize(*int4.quantize(table.detach().numpy()))))


def save_hf(model, tokenizer, tags: list[str], out: Path) -> None:
    """fp32 HF checkpoint + the *full* tokenizer's pieces restricted (pruning happens in export)."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save(str(out / "tokenizer.json"))
    (out / "slm_task.json").write_text(json.dumps(task_config(tags, 0.5)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
