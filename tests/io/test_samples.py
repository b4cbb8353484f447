"""The registry of shipped sample data sets and how they load."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from gmm_explorer.resources import sample_path

from gmm_explorer.errors import InputError
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.points import LoadedData
from gmm_explorer.io.samples import SAMPLES, Sample, get_sample, load_sample


def test_registry_order_and_fields():
    assert [s.key for s in SAMPLES] == ["faithful", "iris", "penguins"]
    assert [s.title for s in SAMPLES] == ["Old Faithful", "Iris (petals)",
                                         "Palmer penguins (bills)"]
    for sample in SAMPLES:
        assert isinstance(sample, Sample)
        assert sample.description and sample.filename.endswith(".csv")
        assert sample_path(sample.filename).is_file()
        assert get_sample(sample.key) is sample
    with pytest.raises(dataclasses.FrozenInstanceError):
        SAMPLES[0].title = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("key", "columns", "n_points", "n_dropped", "label_name", "label_counts"),
    [("faithful", ("eruptions", "waiting"), 272, 0, None, None),
     ("iris", ("Petal.Length", "Petal.Width"), 150, 0, "Species",
      {"setosa": 50, "versicolor": 50, "virginica": 50}),
     ("penguins", ("bill_length_mm", "bill_depth_mm"), 342, 2, "species",
      {"Adelie": 151, "Gentoo": 123, "Chinstrap": 68})],
)
def test_load_sample(key, columns, n_points, n_dropped, label_name, label_counts):
    data = load_sample(key)
    sample = get_sample(key)
    assert isinstance(data, LoadedData)
    assert data.column_names == columns == sample.columns
    assert data.points.shape == (n_points, 2) and np.isfinite(data.points).all()
    assert data.n_dropped == n_dropped
    assert data.label_name == label_name == sample.labels
    if label_counts is None:
        assert data.labels is None
    else:
        assert len(data.labels) == n_points
        assert Counter(data.labels) == label_counts
    # The source is the installed file's path: it loads again like any user file.
    assert Path(data.source).name == sample.filename
    again = load_points(data.source, data.column_names, labels=data.label_name)
    np.testing.assert_array_equal(again.points, data.points)


def test_sample_notes():
    assert load_sample("faithful").notes == ()
    assert load_sample("iris").notes == ()
    assert load_sample("penguins").notes == (
        "dropped 2 rows with missing values in the chosen columns",)


def test_faithful_sample_matches_an_independent_reader(faithful):
    np.testing.assert_array_equal(load_sample("faithful").points, faithful)


@pytest.mark.parametrize("key", ["nope", "Iris", ""])
def test_unknown_sample(key):
    with pytest.raises(InputError, match="unknown sample data set") as info:
        load_sample(key)
    assert "'faithful', 'iris', 'penguins'" in str(info.value)
