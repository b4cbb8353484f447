"""Mixture validation, the step results, and the density/ellipse/sample queries."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.errors import ParameterError

EYE = np.eye(2)


@pytest.mark.parametrize("kwargs,field", [
    (dict(weights=[0.5, 0.6]), "weights"),
    (dict(weights=[1.2, -0.2]), "weights[1]"),
    (dict(means=[[0, np.nan], [1, 1]]), "means"),
    (dict(means=[[0, 0]]), "means"),
    (dict(covariances=[EYE, [[1, 0.5], [0.4, 1]]]), "covariances[1]"),
    (dict(covariances=[EYE, [[1, 2], [2, 1]]]), "covariances[1]"),
    (dict(covariances=[EYE, [[-1, 0], [0, 1]]]), "covariances[1]"),
    (dict(covariances=[EYE, [[np.inf, 0], [0, 1]]]), "covariances"),
    (dict(covariance_type="round"), "covariance_type"),
    (dict(covariance_type="tied", covariances=[EYE, 2 * EYE]), "covariances[1]"),
    (dict(covariance_type="diag", covariances=[EYE, [[1, 0.1], [0.1, 1]]]), "covariances[1]"),
    (dict(covariance_type="spherical", covariances=[EYE, np.diag([1, 2])]), "covariances[1]"),
])
def test_invalid_parameters_name_the_field(kwargs, field):
    args = dict(weights=[0.5, 0.5], means=[[0, 0], [1, 1]], covariances=[EYE, EYE],
                covariance_type="full")
    args.update(kwargs)
    with pytest.raises(ParameterError) as info:
        E.Mixture(**args)
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_mixture_is_immutable():
    m = E.Mixture([1.0], [[0, 0]], [EYE])
    with pytest.raises(ValueError):
        m.means[0, 0] = 5.0
    with pytest.raises(AttributeError):
        m.weights = np.array([1.0])


def test_diagnostics_and_step_fields(faithful):
    r = E.fit(faithful, 2, seed=0)
    f = r.final
    assert f.iteration == r.n_iter == len(r.history) - 1
    assert f.mean_log_likelihood == pytest.approx(f.log_likelihood / 272)
    assert r.history[0].change is None and r.history[0].converged is False
    d = f.diagnostics
    assert len(d) == 2 and sum(x.n_effective for x in d) == pytest.approx(272)
    for x, c in zip(d, f.mixture.covariances):
        np.testing.assert_allclose(sorted(x.eigenvalues), np.linalg.eigvalsh(c), rtol=1e-12)
        assert x.condition_number == pytest.approx(x.eigenvalues[0] / x.eigenvalues[1])
        assert x.status == "ok"
    assert f.warnings() == ()


def test_log_density_grid_matches_score_samples(synthetic):
    mix = E.fit(synthetic, 3, seed=0).mixture
    xs, ys = np.linspace(-6, 9, 31), np.linspace(-8, 10, 17)
    grid = E.log_density_grid(mix, xs, ys)
    assert grid.shape == (17, 31)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.stack([gx.ravel(), gy.ravel()], 1)
    np.testing.assert_allclose(grid.ravel(), E.score_samples(pts, mix), rtol=1e-12)


def test_ellipse_is_the_n_sigma_mahalanobis_contour():
    cov = np.array([[4.0, 1.5], [1.5, 1.0]])
    m = E.Mixture([1.0], [[2.0, -1.0]], [cov])
    for n_std in (1.0, 2.0, 3.0):
        pts = E.ellipse(m, 0, n_std, 64)
        d = pts - [2.0, -1.0]
        maha = np.einsum("ij,jk,ik->i", d, np.linalg.inv(cov), d)
        np.testing.assert_allclose(maha, n_std**2, rtol=1e-10)
        np.testing.assert_allclose(pts[0], pts[-1])
    sd_major, sd_minor, angle = E.ellipse_axes(m)
    np.testing.assert_allclose(sd_major**2, np.linalg.eigvalsh(cov)[1])
    np.testing.assert_allclose(sd_minor**2, np.linalg.eigvalsh(cov)[0])
    v = np.linalg.eigh(cov)[1][:, 1]
    assert np.degrees(np.arctan(v[1] / v[0])) == pytest.approx(angle[0])


@pytest.mark.parametrize("ctype", ["full", "diag", "spherical"])
def test_all_ellipses_at_once_are_each_ellipse_bit_for_bit(ctype):
    """The canvas draws every component's outline from one call; each is exactly the
    one-component ellipse (tests compare drawn outlines with it)."""
    rng = np.random.default_rng(5)
    for scale in (1e-4, 1.0, 1e5):
        a = rng.normal(size=(6, 2, 2)) * scale
        cov = a @ a.transpose(0, 2, 1) + 1e-3 * scale**2 * np.eye(2)
        m = E.project_covariance_type(
            E.Mixture(np.full(6, 1 / 6), rng.normal(size=(6, 2)) * 50, cov), ctype)
        for n_std, n_points in ((1.0, 72), (2.0, 96), (3.0, 5)):
            every = E.ellipses(m, n_std, n_points)
            assert every.shape == (6, n_points + 1, 2)
            for j in range(6):
                np.testing.assert_array_equal(every[j], E.ellipse(m, j, n_std, n_points))


def test_sample_is_reproducible_and_follows_the_mixture():
    m = E.Mixture([0.25, 0.75], [[0, 0], [10, 5]], [np.eye(2), [[2.0, 0.9], [0.9, 1.0]]])
    a, la = E.sample(m, 40000, seed=7)
    b, lb = E.sample(m, 40000, seed=7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert abs((la == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(a[la == 1].mean(0), [10, 5], atol=0.05)
    np.testing.assert_allclose(np.cov(a[la == 1].T), m.covariances[1], atol=0.05)


def test_sweep_picks_two_components_on_faithful(faithful):
    rows = E.sweep(faithful, range(1, 5), ["full"], seed=0)
    assert [r.n_components for r in rows] == [1, 2, 3, 4]
    assert E.best_row(rows, "bic").n_components == 2
    for r in rows:
        assert r.bic == pytest.approx(E.bic(faithful, r.result.mixture), rel=1e-12)


def test_project_covariance_type_and_iterate_projects_a_mismatched_start(synthetic):
    full = E.fit(synthetic, 3, seed=0).mixture
    tied = E.project_covariance_type(full, "tied")
    np.testing.assert_allclose(tied.covariances[0],
                               np.average(full.covariances, axis=0, weights=full.weights))
    sph = E.project_covariance_type(full, "spherical")
    np.testing.assert_allclose(sph.covariances[:, 0, 0],
                               0.5 * (full.covariances[:, 0, 0] + full.covariances[:, 1, 1]))
    assert np.all(sph.covariances[:, 0, 1] == 0)
    first = next(E.iterate(synthetic, full, E.EMSettings("diag")))
    assert first.mixture.covariance_type == "diag"
    assert first.mixture.equals(E.project_covariance_type(full, "diag"))
