"""Standardised units in the Qt-free session: switching, exact return, session files."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.errors import InputError
from gmm_explorer.io.params import FitRecord
from gmm_explorer.io.session_file import dumps_session, loads_session
from gmm_explorer.session import Session


def _session():
    rng = np.random.default_rng(0)
    s = Session()
    s.load(rng.standard_normal((200, 2)) * [0.5, 20.0] + [3, 70], "f.csv", ("a", "b"),
           labels=["p"] * 200, label_name="kind")
    return s


def test_standardising_is_a_new_exploration_that_keeps_labels_and_comes_back_exactly():
    s = _session()
    raw = s.points
    assert s.standardising_helps and s.spread_ratio == pytest.approx(
        raw.std(axis=0).max() / raw.std(axis=0).min())
    v = s.data_version
    assert s.set_standardised(True)
    assert s.data_version > v and s.dirty and not s.can_undo
    np.testing.assert_allclose(s.points.std(axis=0), 1.0)
    assert s.column_names == ("a (z)", "b (z)") and s.data_column_names == ("a", "b")
    assert s.labels == ("p",) * 200 and s.label_name == "kind" and s.source == "f.csv"
    assert not s.standardising_helps  # already standardised
    assert not s.set_standardised(True)
    np.testing.assert_allclose(s.data_points, raw, rtol=1e-14)
    assert s.set_standardised(False)
    np.testing.assert_array_equal(s.points, raw)  # bit for bit
    assert s.column_names == ("a", "b") and s.units is None


def test_points_edited_in_z_go_back_through_the_transform():
    s = _session()
    s.set_standardised(True)
    u = s.units
    s.add_point(1.0, -1.0)
    s.set_standardised(False)
    np.testing.assert_allclose(s.points[-1], u.centre + [1.0, -1.0] * u.scale)


def test_too_few_points_or_a_constant_column_cannot_be_standardised():
    s = Session()
    s.load([[1.0, 2.0]])
    with pytest.raises(InputError):
        s.set_standardised(True)
    s.load([[1.0, 2.0], [1.0, 3.0]])
    assert s.spread_ratio is None and not s.standardising_helps
    with pytest.raises(InputError):
        s.set_standardised(True)
    assert s.units is None


def test_the_session_file_keeps_the_units_and_a_fresh_load_forgets_them():
    s = _session()
    s.set_standardised(True)
    back = Session.from_record(loads_session(dumps_session(s.to_record())))
    np.testing.assert_array_equal(back.units.centre, s.units.centre)
    np.testing.assert_array_equal(back.units.scale, s.units.scale)
    assert back.units.names == ("a", "b") and back.column_names == ("a (z)", "b (z)")
    s.load(np.zeros((3, 2)))
    assert s.units is None


def test_fit_record_in_data_units():
    s = _session()
    s.set_standardised(True)
    m = E.initialise(s.points, 2, "kmeans", seed=0)
    step = next(E.iterate(s.points, m, E.EMSettings()))
    rec = FitRecord.from_step(step, init="kmeans", seed=0, tol=1e-3, reg_covar=1e-6,
                              max_iter=100).shifted(-s.units.log_scale)
    data = s.units.step_to_data(step)
    ll = E.score_samples(s.data_points, data.mixture).sum()
    assert rec.log_likelihood == pytest.approx(ll, rel=1e-12)
    assert data.log_likelihood == pytest.approx(ll, rel=1e-12)
    assert rec.bic == pytest.approx(-2 * ll + m.n_parameters() * np.log(200), rel=1e-12)
