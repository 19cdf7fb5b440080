"""Desktop converter: HF-layout student checkpoints (or ONNX + tokenizer.json) -> int8 ``.slm`` bundles."""

__version__ = "0.1.0"
