"""Reading an HF-layout checkpoint folder: config.json, weights, tokenizer.json and optional slm_task.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConvertError

# Weight files in the order we look for them (safetensors first: no pickle).
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
TASK_FILE = "slm_task.json"


def read_json(path: Path, what: str) -> Any:
    """Parse a JSON file or raise a one-line :class:`ConvertError` naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConvertError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConvertError(f"{what} {path} is not readable JSON ({e})") from None


@dataclass
class Checkpoint:
    """A checkpoint folder, parsed lazily: the weights load only when asked for."""

    path: Path
    config: dict[str, Any]
    tokenizer: dict[str, Any]
    task_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def weights_file(self) -> Path:
        for name in WEIGHT_FILES:
            if (self.path / name).is_file():
                return self.path / name
        raise ConvertError(f"checkpoint {self.path} has no weights ({' or '.join(WEIGHT_FILES)})")

    def state_dict(self) -> dict[str, Any]:
        """All tensors as float32 torch tensors (students are often stored in fp16), all finite."""
        import torch

        path = self.weights_file
        try:
            if path.suffix == ".safetensors":
                from safetensors.torch import load_file

                tensors = load_file(path)
            else:
                tensors = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:  # torch and safetensors raise many types for a damaged file
            raise ConvertError(
                f"cannot read weights {path}: {str(e).splitlines()[0] if str(e) else e!r}"
            ) from None
        for name, tensor in tensors.items():
            # NaN or infinite weights (a diverged training run) cannot be quantized: onnxruntime's quantizer
            # would fail an assertion deep inside, and the model could only give NaN scores.
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                bad = tensor.numel() - int(torch.isfinite(tensor).sum())
                raise ConvertError(non_finite_message(name, bad, tensor.numel()))
        return {k: v.float() if v.is_floating_point() else v for k, v in tensors.items()}


def non_finite_message(name: str, bad: int, total: int) -> str:
    return (f"weight {name!r} holds {bad} NaN or infinite values (of {total}): the checkpoint is broken, "
            "e.g. by a diverged training run")


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Open an HF-layout folder; raises :class:`ConvertError` for a missing or partial one."""
    folder = Path(path)
    if not folder.is_dir():
        raise ConvertError(f"checkpoint folder not found: {folder}")
    config = read_json(folder / "config.json", "config.json")
    tokenizer = read_json(folder / "tokenizer.json", "tokenizer.json")
    task_meta = read_json(folder / TASK_FILE, TASK_FILE) if (folder / TASK_FILE).is_file() else {}
    for name, value in (("config.json", config), ("tokenizer.json", tokenizer), (TASK_FILE, task_meta)):
        if not isinstance(value, dict):
            raise ConvertError(f"{name} in {folder} is not a JSON object")
    checkpoint = Checkpoint(folder, config, tokenizer, task_meta)
    checkpoint.weights_file  # noqa: B018 - fail early on a folder without weights
    return checkpoint
