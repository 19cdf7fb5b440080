"""Build one of our torch modules from a checkpoint and load its weights (optionally fewer layers)."""

from __future__ import annotations

import re
from typing import Any

from .architectures import ENCODER_TASKS, Architecture, architecture_for, model_fields, rename_weights
from .checkpoint import Checkpoint
from .errors import ConvertError

_LAYER = re.compile(r"layers\.(\d+)\.")


def labels_from_config(config: dict[str, Any]) -> list[str]:
    """The label (or tag) list in id order from config.json's ``id2label``."""
    id2label = config.get("id2label")
    if not isinstance(id2label, dict) or not id2label:
        raise ConvertError("config.json has no id2label: the classifier's labels are unknown")
    try:
        by_id = {int(k): str(v) for k, v in id2label.items()}
    except ValueError:
        raise ConvertError("config.json id2label keys must be integers") from None
    if sorted(by_id) != list(range(len(by_id))):
        raise ConvertError("config.json id2label ids must be 0..N-1")
    return [by_id[i] for i in range(len(by_id))]


def build_module(
    checkpoint: Checkpoint, task: str, keep_layers: int | None = None, max_length: int | None = None
) -> tuple[Any, Architecture]:
    """The eval-mode torch module for ``task`` with the checkpoint's weights, and its architecture rules.

    ``max_length``: the most tokens an encoder bundle is ever fed (the runtime truncates to it), so its
    position table keeps only that many rows (BERT's 512 -> 128: 147k fewer weights at hidden 384). A
    decoder keeps all of its positions: they bound the KV cache.
    """
    from .models import Decoder, DecoderConfig, Encoder, EncoderConfig

    arch = architecture_for(checkpoint.config, task)
    fields = model_fields(arch, checkpoint.config)
    if keep_layers is not None:
        if not 1 <= keep_layers <= fields["n_layer"]:
            raise ConvertError(
                f"--keep-layers must be between 1 and {fields['n_layer']} (the model's layers)"
            )
        fields["n_layer"] = keep_layers
    trim_positions = task in ENCODER_TASKS and max_length is not None and max_length < fields["max_positions"]
    if trim_positions:
        fields["max_positions"] = max_length
    if task in ENCODER_TASKS:
        labels = labels_from_config(checkpoint.config)
        module = Encoder(EncoderConfig(**fields, n_labels=len(labels), head=ENCODER_TASKS[task]))
    else:
        module = Decoder(DecoderConfig(**fields))
    state = {
        name: tensor
        for name, tensor in rename_weights(arch, checkpoint.state_dict()).items()
        if not (m := _LAYER.match(name)) or int(m.group(1)) < fields["n_layer"]
    }
    if trim_positions and "pos_emb.weight" in state:
        state["pos_emb.weight"] = state["pos_emb.weight"][:max_length]
    _load(module, state, checkpoint)
    return module.eval(), arch


def _load(module: Any, state: dict[str, Any], checkpoint: Checkpoint) -> None:
    """Strict load with one-line errors naming the first missing or misshapen weight."""
    expected = module.state_dict()
    missing = [name for name in expected if name not in state]
    if missing:
        raise ConvertError(
            f"partial checkpoint {checkpoint.weights_file}: {len(missing)} weights missing, e.g. {missing[0]}"
        )
    for name, tensor in expected.items():
        if tuple(state[name].shape) != tuple(tensor.shape):
            raise ConvertError(
                f"weight {name} is {tuple(state[name].shape)}; config.json implies {tuple(tensor.shape)}"
            )
    module.load_state_dict({name: state[name] for name in expected})
