"""From Python and notebooks (issue 14): ``gmm_explorer.render`` gives the canvas as PNG
bytes a notebook shows, from an array, a DataFrame or a file, with a Mixture or a fitted
estimator; a Mixture and a state have readable and HTML representations."""

from __future__ import annotations

import struct

import numpy as np
import pytest

import gmm_explorer
from gmm_explorer import engine as E
from gmm_explorer.engine.init import initialise
from gmm_explorer.engine.noise import noise_density, with_noise
from gmm_explorer.errors import InputError
from tests.conftest import DATA


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    _, chunk, w, h = struct.unpack(">I4sII", data[8:24])
    assert chunk == b"IHDR"
    return w, h


def test_render_gives_a_png_a_notebook_shows(qapp, faithful):
    m = initialise(faithful, 2, "kmeans", seed=0)
    png = gmm_explorer.render(faithful, m, size=(640, 480), title="Old Faithful")
    assert png_size(png) == (640, 480)
    assert png._repr_png_() == bytes(png) and "PNG image" in repr(png)
    # A fitted estimator (ours or scikit-learn's) stands for its mixture.
    est = gmm_explorer.GaussianMixture(2, random_state=0).fit(faithful)
    assert png_size(gmm_explorer.render(faithful, est, size=(320, 240))) == (320, 240)
    sk = est.mixture_.to_sklearn()
    assert png_size(gmm_explorer.render(faithful, sk, size=(320, 240))) == (320, 240)
    # A file, and the points alone.
    assert png_size(gmm_explorer.render(DATA / "faithful.csv", size=(300, 200))) == (300, 200)


class Frame:
    """Just enough of a DataFrame (pandas is not a dependency): named columns, indexing
    by one name or a list of names, and to_numpy."""

    def __init__(self, **cols):
        self._cols = {k: np.asarray(v) for k, v in cols.items()}
        self.columns = list(cols)

    def __getitem__(self, key):
        if isinstance(key, list):
            return Frame(**{k: self._cols[k] for k in key})
        return Frame(**{key: self._cols[key]})

    def to_numpy(self, dtype=None):
        return np.column_stack([self._cols[k] for k in self.columns]).astype(dtype) \
            if len(self.columns) > 1 else self._cols[self.columns[0]]


def test_render_takes_a_dataframe_by_its_columns(qapp, faithful):
    df = Frame(label=np.array(["a"] * len(faithful)), eruptions=faithful[:, 0],
               waiting=faithful[:, 1])
    assert png_size(gmm_explorer.render(df, size=(400, 300))) == (400, 300)  # numeric ones
    png = gmm_explorer.render(df, x="waiting", y="eruptions", size=(300, 300))
    assert png_size(png) == (300, 300)
    with pytest.raises(InputError, match="two numeric columns"):
        gmm_explorer.render(Frame(label=np.array(["a", "b"])))


def test_render_refuses_points_that_are_not_two_columns(qapp):
    with pytest.raises(InputError, match=r"shape \(N, 2\)"):
        gmm_explorer.render(np.zeros((5, 3)))


def test_a_mixture_and_a_state_read_well(faithful):
    m = with_noise(initialise(faithful, 2, "kmeans", seed=0), 0.1, noise_density(faithful))
    text = repr(m)
    assert text.startswith("Mixture(K=2, covariance_type='full'") and "noise_weight=0.1" in text
    table = m._repr_html_()
    assert table.count("<tr><td>") == 3 and "noise" in table  # two components + noise
    r = E.fit(faithful, 2, seed=0)
    assert repr(r.final).startswith(f"StepResult(iteration {r.final.iteration}: "
                                    "log-likelihood")
    assert "converged" in r.final._repr_html_() and "<table>" in r.final._repr_html_()
