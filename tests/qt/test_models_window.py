"""The fourteen covariance models in the window (#12): the covariance box offers them in
plain words with glyphs, and EM steps any of them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gmm_explorer import engine as E
from gmm_explorer.engine.models import MODEL_TYPES, describe
from tests.qt.window_helpers import TIMEOUT, idle


def test_the_covariance_box_lists_the_fourteen_in_words(window):
    box = window.controls.covariance
    assert box.count() == 14
    assert [box.itemData(i) for i in range(14)] == list(MODEL_TYPES)
    i = box.findData("EVE")
    assert box.itemText(i) == "EVE"
    assert box.item_text(i) == "EVE  —  equal volume, varying shape, equal orientation"
    assert box.itemText(box.findData("full")) == "full (VVV)"
    assert describe("spherical") == "varying volume, spherical"
    assert describe("EEI") == "equal volume, equal shape, axis-aligned"
    assert all(not box.itemIcon(j).isNull() for j in range(14))


@pytest.mark.parametrize("model", ["VEV", "EVE", "EII"])
def test_choosing_a_model_initialises_it_and_em_steps_it(window, qtbot, model):
    box = window.controls.covariance
    box.setCurrentIndex(box.findData(model))  # as choosing it from the list does
    idle(qtbot, window)
    s = window.session
    qtbot.waitUntil(lambda: s.current is not None, timeout=TIMEOUT)
    assert s.settings.covariance_type == model
    assert s.current.mixture.covariance_type == model
    for _ in range(3):
        window.actions["step"].trigger()
        idle(qtbot, window)
    assert s.current.iteration == 3
    # The steps are the engine's EM for this model on these points.
    ref = list(E.iterate(s.points, s.history[0].mixture,
                         E.EMSettings(model, tol=0.0, max_iter=3)))[-1]
    np.testing.assert_allclose(s.current.mixture.covariances, ref.mixture.covariances,
                               rtol=1e-12)
    assert f"K=2 {model}" in window.status_label.text()


def test_model_selection_covers_all_fourteen_in_families(window, qtbot):
    from dataclasses import replace

    from gmm_explorer.engine.models import mclust_code

    window.show_panel("selection")
    sp = window.panels["selection"]
    form = sp.form
    four = ("spherical", "diag", "tied", "full")  # the default, in mclust's order
    assert sp.options().covariance_types == four
    form.preset_buttons["all"].click()
    assert sp.options().covariance_types == MODEL_TYPES
    sp.set_options(replace(sp.options(), k_max=2, n_init=1, auto=False))
    assert window.analyses.start_selection()
    qtbot.waitUntil(lambda: not window.analyses.selection_runner.busy
                    and len(window.analyses.rows) == 28, timeout=60_000)
    for t in MODEL_TYPES:
        x, _ = sp.series(t, "bic")
        assert list(x) == [1.0, 2.0], t
    expected = [t if t in E.COVARIANCE_TYPES else mclust_code(t) for t in MODEL_TYPES]
    assert sp.legend_entries() == expected + ["BIC", "AIC", "ICL"]
    best = sp.best_row()
    assert best is not None and sp.best_text().startswith("★ best: K=")
    form.preset_buttons["sklearn"].click()
    assert sp.options().covariance_types == four


def test_the_m_step_panel_says_how_a_shared_model_is_fitted(window, qtbot):
    box = window.controls.covariance
    box.setCurrentIndex(box.findData("VEV"))
    idle(qtbot, window)
    for _ in range(2):
        window.actions["step"].trigger()
        idle(qtbot, window)
    from gmm_explorer.engine.explain import m_step_terms
    from gmm_explorer.qt.panels.m_step import worked_formulas

    s = window.session
    terms = m_step_terms(s.points, s.history[1].mixture, reg_covar=s.settings.reg_covar)
    np.testing.assert_allclose(terms.mixture.covariances, s.current.mixture.covariances,
                               rtol=1e-12)
    text = worked_formulas(terms, 0)["cov_xx"]
    assert "VEV (varying volume, equal shape, varying orientation)" in text
    assert "mclust's iterations" in text


def test_model_selection_marks_the_best_by_icl(window, qtbot):
    from dataclasses import replace

    window.show_panel("selection")
    sp = window.panels["selection"]
    sp.set_options(replace(sp.options(), k_max=4, n_init=2, auto=False))
    assert window.analyses.start_selection()
    qtbot.waitUntil(lambda: not window.analyses.selection_runner.busy
                    and len(window.analyses.rows) == 16, timeout=60_000)
    qtbot.mouseClick(sp.criterion_buttons["icl"], Qt.MouseButton.LeftButton)
    assert sp.criterion == "icl"
    rows = window.analyses.rows
    best = min((r for r in rows if r.result is not None), key=lambda r: r.icl)
    assert sp.best_row() is best
    assert sp.best_text().startswith(f"★ best: K={best.n_components}")
    assert "(ICL " in sp.best_text()
    pts = window.session.points
    for r in rows:
        assert r.icl == pytest.approx(E.icl(pts, r.result.mixture), rel=1e-9)
    x, y = sp.series("tied", "icl")
    assert list(x) == [1.0, 2.0, 3.0, 4.0]


def test_the_selection_plot_focuses_on_the_competitive_models(qtbot, faithful):
    """With the fourteen models, a few far worse cells (circles on Old Faithful's
    elongated clusters) used to squash every other curve into the bottom tenth."""
    from gmm_explorer.qt.panels.model_selection import SelectionPanel

    rows = E.sweep(faithful, range(1, 5), MODEL_TYPES, n_init=1, seed=0)
    panel = SelectionPanel()
    qtbot.addWidget(panel)
    panel.resize(340, 900)
    panel.show()
    panel.set_rows(rows, True)
    lo, hi = panel.y_range()
    vals = np.array([getattr(r, c) for r in rows if r.result is not None
                     for c in ("bic", "aic", "icl")])
    assert panel.focused and hi < vals.max()
    assert lo <= vals.min() and hi >= np.median(vals) + 2 * (np.median(vals) - vals.min())
    best = panel.best_row()
    assert lo <= best.bic <= hi
    # Few, close values: everything shows.
    panel.set_rows([r for r in rows if r.covariance_type == "full" and r.n_components > 1],
                   True)
    assert not panel.focused


def test_a_degenerate_fit_is_crossed_out_and_never_starred(qtbot):
    """A collapse onto two duplicated points has the best BIC; the panel crosses it out,
    says so, and stars a healthy model."""
    from gmm_explorer.qt.panels.model_selection import SelectionPanel

    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(size=(60, 2)), [[5.0, 5.0], [5.0, 5.0]]])
    rows = E.sweep(X, range(1, 5), ["full"], n_init=4, seed=0,
                   settings=E.EMSettings(reg_covar=1e-9, tol=1e-6))
    bad = [r for r in rows if r.degenerate]
    assert bad
    panel = SelectionPanel()
    qtbot.addWidget(panel)
    panel.set_rows(rows, True)
    x, y = panel.degenerate_marks()
    assert sorted(x) == sorted(float(r.n_components) for r in bad)
    best = panel.best_row()
    assert best.degenerate is None and panel.best_marker() == (best.n_components, best.bic)
    assert f"{len(bad)} degenerate" in panel.run_controls.status.text()


def test_initialise_from_the_labels_starts_one_component_per_class(window, qtbot):
    assert window.data.open_sample("iris", ask=False)
    idle(qtbot, window)
    box = window.controls.covariance
    box.setCurrentIndex(box.findData("VVE"))
    idle(qtbot, window)
    window.actions["init_labels"].trigger()
    idle(qtbot, window)
    s = window.session
    qtbot.waitUntil(lambda: s.current is not None and s.current.mixture.n_components == 3,
                    timeout=TIMEOUT)
    start, classes = E.initialise_from_labels(s.points, s.labels, "VVE", s.settings.reg_covar)
    np.testing.assert_array_equal(s.current.mixture.means, start.means)
    assert s.settings.k == 3 and s.current.mixture.covariance_type == "VVE"
    assert classes == ("setosa", "versicolor", "virginica")
    # Without labels it says why, and keeps the model.
    window.data.load_sample()
    idle(qtbot, window)
    before = s.current
    window.actions["init_labels"].trigger()
    assert "no labels" in window.statusBar().currentMessage()
    assert s.current is before


def test_model_selection_under_the_prior_leaves_out_the_models_without_one(window, qtbot):
    from dataclasses import replace

    from gmm_explorer.engine.priors import PRIOR_MODELS

    window.show_panel("selection")
    sp = window.panels["selection"]
    sp.form.preset_buttons["all"].click()
    sp.form.prior.click()
    assert sp.options().prior
    sp.set_options(replace(sp.options(), k_max=2, n_init=1, auto=False))
    assert window.analyses.start_selection()
    assert "left out VEE, EVE, VVE, EVV" in sp.run_controls.status.text()
    qtbot.waitUntil(lambda: not window.analyses.selection_runner.busy
                    and len(window.analyses.rows) == 20, timeout=60_000)
    rows = window.analyses.rows
    assert {r.covariance_type for r in rows} == set(PRIOR_MODELS)
    assert all(r.result.final.prior for r in rows if r.result is not None)
