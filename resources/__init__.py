"""Files shipped with GMM Explorer: sample data sets, lessons and the app icon.

This folder is installed as the package ``gmm_explorer.resources`` (and bundled the same
way by packaging/gmm-explorer.spec).
"""

from importlib.resources import files

#: Pixel sizes of the shipped icon PNGs (``icons/gmm-explorer-SIZE.png``).
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def sample_path(name: str):
    """Return a Traversable for the shipped sample data file ``name`` (e.g. ``"faithful.csv"``)."""
    return files(__name__) / "data" / name


def lessons_folder():
    """The folder of the shipped lessons (``lessons/*.lesson.json`` and their sessions), as
    a path on the file system."""
    from pathlib import Path

    return Path(str(files(__name__) / "lessons"))


def icon_path(size: int | None = None):
    """Return a Traversable for the app icon PNG, or None if it is not shipped.

    ``size`` picks one of :data:`ICON_SIZES`; None gives ``icons/gmm-explorer.png``
    (256 pixels). A missing or empty file gives None, so a caller can simply skip
    setting the window icon (for example in a partial install).
    """
    name = "gmm-explorer.png" if size is None else f"gmm-explorer-{int(size)}.png"
    try:
        path = files(__name__) / "icons" / name
        if path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n":
            return path
    except (OSError, ValueError):
        pass
    return None
