"""How minitrain's figures show in a notebook: as the picture, without pyplot.

Jupyter asks an object for ``_repr_png_`` (or ``_repr_svg_``) to display it as an image. The
figures minitrain returns are made without pyplot, so no backend registers them with IPython;
``Figure`` answers the question itself. ``plotting.save`` returns a ``SavedFigure``: the path it
wrote (a ``pathlib.Path`` in every respect) which a notebook displays as the saved picture, so
a lesson's figure cell that ends in ``plotting.save(fig, path)`` shows the figure.
"""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.figure import Figure as MatplotlibFigure

DISPLAY_DPI = 110  # the dpi of ``plotting.save``: the notebook shows what the PNG holds


class Figure(MatplotlibFigure):
    """A matplotlib Figure that a notebook displays as a PNG (no pyplot, no global state)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DISPLAY_DPI)
        return buffer.getvalue()


class SavedFigure(type(Path())):  # type: ignore[misc]  # the concrete Path class of this OS
    """The path of a saved figure; a notebook shows the picture stored there."""

    def _repr_png_(self) -> bytes | None:
        return self.read_bytes() if self.suffix.lower() == ".png" else None

    def _repr_svg_(self) -> str | None:
        return self.read_text(encoding="utf-8") if self.suffix.lower() == ".svg" else None


__all__ = ["Figure", "SavedFigure"]
