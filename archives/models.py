"""Models of the archives app (later issues)."""
