"""Default autocomplete student: a small GPT-2-style decoder with a byte-level BPE vocabulary."""
