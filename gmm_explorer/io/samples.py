"""The sample data sets shipped with GMM Explorer, and how each one is loaded.

Each :class:`Sample` fixes the file, the two columns plotted and the label column, so
the window's Samples menu and the tests load them the same way through
:func:`load_sample`. The files live in ``resources/data`` (installed as
``gmm_explorer.resources``; see its README for their origin). No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass

from gmm_explorer.errors import InputError
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.points import LoadedData
from gmm_explorer.resources import sample_path

__all__ = ["SAMPLES", "Sample", "get_sample", "load_sample"]


@dataclass(frozen=True)
class Sample:
    """One shipped data set and the columns to show.

    Attributes
    ----------
    key : str
        Short identifier, e.g. ``"faithful"`` (stable: menus and settings store it).
    title : str
        Name shown to the user, e.g. ``"Old Faithful"``.
    filename : str
        File name in ``resources/data``.
    columns : tuple of (str, str)
        Header names of the X and Y columns.
    labels : str or None
        Header name of the label column, or None.
    description : str
        One or two sentences for a tooltip or status line.
    """

    key: str
    title: str
    filename: str
    columns: tuple[str, str]
    labels: str | None
    description: str


#: The shipped samples, in menu order.
SAMPLES: tuple[Sample, ...] = (
    Sample(
        key="faithful",
        title="Old Faithful",
        filename="faithful.csv",
        columns=("eruptions", "waiting"),
        labels=None,
        description="272 eruptions of the Old Faithful geyser: eruption time and waiting "
                    "time to the next eruption, in minutes. Two clear clusters.",
    ),
    Sample(
        key="iris",
        title="Iris (petals)",
        filename="iris.csv",
        columns=("Petal.Length", "Petal.Width"),
        labels="Species",
        description="Fisher's 150 iris flowers: petal length and width in cm, labelled "
                    "by species (setosa, versicolor, virginica).",
    ),
    Sample(
        key="penguins",
        title="Palmer penguins (bills)",
        filename="penguins.csv",
        columns=("bill_length_mm", "bill_depth_mm"),
        labels="species",
        description="344 penguins from the Palmer Archipelago: bill length and depth in "
                    "mm, labelled by species (Adelie, Chinstrap, Gentoo). The 2 penguins "
                    "without bill measurements are left out.",
    ),
)


def get_sample(key: str) -> Sample:
    """The :class:`Sample` called ``key``.

    Raises
    ------
    InputError
        No sample has that key; the message lists the known keys.
    """
    for sample in SAMPLES:
        if sample.key == key:
            return sample
    known = ", ".join(f"'{s.key}'" for s in SAMPLES)
    raise InputError(f"unknown sample data set {key!r}; known samples: {known}")


def load_sample(key: str) -> LoadedData:
    """Load the shipped sample ``key`` with its fixed columns and labels.

    Parameters
    ----------
    key : str
        One of the keys in :data:`SAMPLES`, e.g. ``"iris"``.

    Returns
    -------
    data : LoadedData
        As :func:`~gmm_explorer.io.loaders.load_points` returns it. ``data.source`` is
        the path of the installed sample file (so that, like every other source, it can
        be opened again or recorded in a session); the name to show the user is
        ``get_sample(key).title``. Rows with a missing X or Y are dropped and the notes
        say so (Palmer penguins: 2 rows).

    Raises
    ------
    InputError
        Unknown key, or the sample file is missing from the installation.
    """
    sample = get_sample(key)
    path = str(sample_path(sample.filename))
    return load_points(path, columns=sample.columns, labels=sample.labels)
