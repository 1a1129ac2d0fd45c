"""Models of the repair app (later issues)."""
