"""Models of the disclosure app (later issues)."""
