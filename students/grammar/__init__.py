"""Grammar student: a GECToR-style word tagger trained on synthetic errors (see docs/bundle-format.md)."""
