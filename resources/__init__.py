"""Files shipped with GMM Explorer: sample data sets (and, later, icons).

This folder is installed as the package ``gmm_explorer.resources``.
"""

from importlib.resources import files


def sample_path(name: str):
    """Return a Traversable for the shipped sample data file ``name`` (e.g. ``"faithful.csv"``)."""
    return files(__name__) / "data" / name
