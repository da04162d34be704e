"""Captions of the lessons' figures: what to see in each (the lessons write them, the gallery's
README and the book show them with these words)."""

LESSON_FIGURES: dict[str, str] = {}

__all__ = ["LESSON_FIGURES"]
