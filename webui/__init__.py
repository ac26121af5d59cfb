"""The chat UI\x27s helpers."""
