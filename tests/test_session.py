"""The Qt-free session: adding, removing, undoing points; settings; stale results."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.errors import InputError
from gmm_explorer.session import ModelSettings, Session


def test_add_remove_undo_redo():
    s = Session()
    s.add_point(1.0, 2.0)
    s.add_points([[3, 4], [5, 6]], "Paste")
    assert s.n_points == 3 and s.undo_label() == "Paste"
    assert s.remove_indices([0]) == 1
    np.testing.assert_array_equal(s.points, [[3, 4], [5, 6]])
    assert s.undo() and s.n_points == 3
    np.testing.assert_array_equal(s.points[0], [1, 2])
    assert s.redo() and s.n_points == 2
    assert s.undo() and s.undo() and s.undo() and s.n_points == 0
    assert not s.undo() and s.can_redo
    s.add_point(9, 9)  # a new edit clears the redo stack
    assert not s.can_redo


def test_points_are_read_only_snapshots():
    s = Session()
    s.add_point(1, 1)
    before = s.points
    s.add_point(2, 2)
    assert before.shape == (1, 2)  # the old snapshot is untouched (a worker may hold it)
    with pytest.raises(ValueError):
        s.points[0, 0] = 5


def test_clear_and_brush_stroke_are_single_undo_steps():
    s = Session()
    s.add_points(np.zeros((5, 2)))
    s.clear()
    assert s.n_points == 0
    s.undo()
    assert s.n_points == 5
    s.begin_stroke()
    for _ in range(10):
        s.add_points(np.ones((3, 2)), "Brush")
    s.end_stroke()
    assert s.n_points == 35 and s.undo_label() == "Brush"
    s.undo()
    assert s.n_points == 5


def test_nearest_point_in_pixel_units_and_rectangle():
    s = Session()
    s.add_points([[0, 0], [10, 100], [20, 0]])
    # 1 data unit per pixel in x, 10 in y: (10, 95) is 0.5 px from point 1.
    assert s.nearest_point(10, 95, 1.0, 10.0, max_distance=3) == 1
    assert s.nearest_point(15, 50, 1.0, 10.0, max_distance=3) is None
    np.testing.assert_array_equal(s.indices_in_rect(25, -1, 5, 200), [1, 2])


def test_edits_make_results_stale_and_keep_parameters():
    s = Session()
    X = np.random.default_rng(0).normal(size=(50, 2))
    s.load(X)
    v = s.model_version
    mix = E.initialise(X, 2, seed=0)
    r0 = next(E.iterate(X, mix))
    assert s.record(r0, "M", v)
    s.add_point(0.0, 0.0)
    assert s.model_version != v
    assert not s.record(r0, "M", v)  # computed on the old data: dropped
    assert s.history == [] and s.pending_start is mix
    assert s.displayed_mixture is mix


def test_settings_changes_reset_except_seed():
    s = Session()
    v = s.model_version
    assert not s.set_settings(ModelSettings(seed=5))
    assert s.model_version == v
    assert s.set_settings(ModelSettings(k=3, seed=5))
    assert s.model_version > v


def test_check_can_fit_explains():
    s = Session()
    with pytest.raises(InputError, match="no points"):
        s.check_can_fit()
    s.add_point(1, 1)
    with pytest.raises(InputError, match="fewer than K=2"):
        s.check_can_fit()
    with pytest.raises(InputError):
        ModelSettings(k=21)
