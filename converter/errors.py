"""The converter's own error: a one-line message naming the problem; the CLI prints it and exits non-zero."""


class ConvertError(Exception):
    """The input cannot be converted (missing files, unsupported model/tokenizer, failed validation...)."""
