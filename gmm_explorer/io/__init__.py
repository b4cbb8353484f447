"""Files: loading point sets (text tables, ``.npy``, ``.npz``), parameter and session files.

No Qt here: the command line and the window share these functions. Problems with a
user's file are raised as :class:`gmm_explorer.errors.InputError`.
"""

from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.points import LoadedData

__all__ = ["LoadedData", "load_points"]
