"""Progress bars that appear without a warning, in a terminal and in a notebook.

    from minitrain.progress import tqdm    # what fit uses; use it for your own loops

``tqdm.auto`` picks tqdm's notebook bar inside Jupyter, which needs ipywidgets; without them it
warns ("IProgress not found") into the first cell that imports minitrain and falls back to the
plain text bar. That fallback is the right choice, so this module makes it silently: importing
it loads ``tqdm.auto`` once with that one warning ignored, and its ``tqdm`` (like every
later ``from tqdm.auto import tqdm``) is the bar chosen here (the notebook bar when ipywidgets can
draw it, the plain one otherwise).
"""

import warnings

from tqdm import TqdmWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm

__all__ = ["tqdm"]
