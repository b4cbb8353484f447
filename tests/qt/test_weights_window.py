"""Sample weights in the window (#12): the column picker's Weights box, EM stepped with the
weights (the engine's weighted run, and the repeated points' run), marker sizes, the
status line and the M-step panel, edits that keep each weight with its point, undo,
sessions, model selection and the optima gallery."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.io.session_file import read_session
from gmm_explorer.qt.controllers.files import FilesController
from gmm_explorer.qt.dialogs.column_picker import NO_WEIGHTS, ColumnChoice, ColumnPickerDialog
from tests.qt.window_helpers import TIMEOUT, idle, make_window


def step(qtbot, w, n=1):
    for _ in range(n):
        w.actions["step"].trigger()
        idle(qtbot, w)


@pytest.fixture()
def weighted_file(tmp_path, faithful):
    """100 Old Faithful points with integer weights 0..3 in a "count" column."""
    rng = np.random.default_rng(5)
    X = faithful[::2][:100]
    w = rng.integers(0, 4, X.shape[0]).astype(float)
    w[0] = 3.0
    path = tmp_path / "weighted.csv"
    path.write_text("eruptions,waiting,count\n" + "\n".join(
        f"{float(x)!r},{float(y)!r},{int(c)}" for (x, y), c in zip(X, w)) + "\n")
    return path, X, w


@pytest.fixture()
def window(qtbot, tmp_path, monkeypatch, weighted_file):
    """A window that opened the weighted file, choosing "count" as its weights column."""
    path, _, _ = weighted_file
    asked = []

    def pick(self, p, table, initial):
        asked.append(table)
        return ColumnChoice("eruptions", "waiting", None, "count")

    monkeypatch.setattr(FilesController, "ask_columns_for", pick)
    w = make_window(qtbot, tmp_path)
    assert w.files.load_file(str(path))
    idle(qtbot, w)
    assert len(asked) == 1  # three numeric columns: the picker asked
    return w


def test_the_picker_offers_a_weights_column_and_refuses_one_that_is_x(qtbot, weighted_file):
    from gmm_explorer.io.columns import table_needing_choice

    path, _, _ = weighted_file
    dialog = ColumnPickerDialog(table_needing_choice(path))
    qtbot.addWidget(dialog)
    box = dialog.weights_combo
    assert [box.itemText(i) for i in range(box.count())] == \
        [NO_WEIGHTS, "eruptions", "waiting", "count"]
    assert dialog.choice().weights is None  # unweighted unless chosen
    box.setCurrentIndex(box.findText("eruptions"))
    assert not dialog.ok_button.isEnabled()
    assert "weights column must differ" in dialog.hint_label.text()
    box.setCurrentIndex(box.findText("count"))
    dialog.y_combo.setCurrentIndex(dialog.y_combo.findText("waiting"))
    assert dialog.ok_button.isEnabled()
    assert dialog.choice() == ColumnChoice("eruptions", "waiting", None, "count")


def test_em_steps_with_the_weights(window, qtbot, weighted_file):
    _, X, w = weighted_file
    s = window.session
    np.testing.assert_array_equal(s.weights, w)
    assert s.weights_name == "count"
    assert f"100 points weighted by count (total {w.sum():.6g})" in \
        window.status_label.text()
    step(qtbot, window, 4)
    start = s.history[0].mixture
    ref = [h.result for h in E.half_steps(X, start, s.settings.em_settings(), weights=w)
           if h.phase == "M"][:5]
    for got, want in zip(s.history, ref):
        assert got.log_likelihood == pytest.approx(want.log_likelihood, rel=1e-12)
        np.testing.assert_allclose(got.mixture.means, want.mixture.means, rtol=1e-12)
        assert got.total_weight == w.sum()
    assert f"of total weight {w.sum():.6g}" in window.ll_panel.state_tip(2)
    # ... which is EM on the points repeated as often as their weights say.
    rep = [h.result for h in E.half_steps(np.repeat(X, w.astype(int), axis=0), start,
                                          s.settings.em_settings()) if h.phase == "M"][:5]
    for got, want in zip(s.history, rep):
        assert got.mean_log_likelihood == pytest.approx(want.mean_log_likelihood, rel=1e-10)


def test_markers_grow_with_the_weight(window):
    s = window.session
    sizes = np.array(window.canvas.layers.points.marker_sizes())
    w = s.weights
    assert sizes.shape == w.shape
    # Heavier points draw larger markers; a point of weight 0 the smallest.
    assert np.all(np.diff(sizes[np.argsort(w, kind="stable")]) >= 0)
    assert sizes[w == 0].max() < sizes[w == 1].min() < sizes[w == 3].min()


def test_deleting_and_adding_points_keep_each_weight_with_its_point(window, qtbot):
    s = window.session
    view = window.canvas.view
    w0, p0 = s.weights.copy(), s.points.copy()
    # A right-click on point 0 deletes it (the view's request, as the mouse makes it).
    view.point_remove_requested.emit(float(p0[0, 0]), float(p0[0, 1]), 1e-3, 1e-3)
    idle(qtbot, window)
    np.testing.assert_array_equal(s.weights, w0[1:])
    np.testing.assert_array_equal(s.points, p0[1:])
    view.point_add_requested.emit(3.0, 70.0)  # a click in Add mode
    idle(qtbot, window)
    assert s.weights[-1] == 1.0 and s.n_points == len(w0)
    step(qtbot, window, 1)
    assert s.current.total_weight == pytest.approx(w0[1:].sum() + 1.0)
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    idle(qtbot, window)
    np.testing.assert_array_equal(s.weights, w0)
    np.testing.assert_array_equal(s.points, p0)


def test_sessions_keep_the_weights(window, qtbot, tmp_path):
    step(qtbot, window, 2)
    path = tmp_path / "weighted.gmmx"
    assert window.files.save_to(str(path))
    rec = read_session(path)
    np.testing.assert_array_equal(rec.weights, window.session.weights)
    assert rec.weights_name == "count"
    assert rec.history[-1].total_weight == window.session.weights.sum()
    other = make_window(qtbot, tmp_path, "other.ini")
    assert other.files.load_file(str(path))
    idle(qtbot, other)
    np.testing.assert_array_equal(other.session.weights, window.session.weights)
    step(qtbot, other, 1)
    step(qtbot, window, 1)
    assert other.session.current.log_likelihood == window.session.current.log_likelihood


def test_the_m_step_panel_sums_the_weights(window, qtbot):
    step(qtbot, window, 2)
    window.show_panel("mstep")
    qtbot.waitUntil(lambda: window.m_step_explain.last_terms is not None, timeout=TIMEOUT)
    panel = window.panels["mstep"]
    terms = window.m_step_explain.last_terms
    s = window.session
    assert terms.total_weight == s.weights.sum()
    assert terms.relative_difference(s.current.mixture) < 1e-10
    def caption():
        return panel.caption.text().replace("\xa0", " ")

    qtbot.waitUntil(lambda: "N = Σᵢ wᵢ" in caption(), timeout=TIMEOUT)
    assert "each counted wᵢ" in caption()
    assert "wᵢ rᵢ" in panel.component_title.text()
    assert panel.overview.horizontalHeaderItem(1).text() == "Nₖ = Σᵢ wᵢ rᵢₖ"


def test_model_selection_uses_the_weights(window, qtbot):
    from gmm_explorer.engine.selection import MIXED, iter_sweep
    from gmm_explorer.qt.panels.selection_options import SelectionOptions

    s = window.session
    sp = window.panels["selection"]
    sp.set_options(replace(SelectionOptions(), auto=False, k_max=2,
                           covariance_types=("full",), n_init=2))
    assert window.analyses.start_selection()
    qtbot.waitUntil(lambda: not window.analyses.selection_runner.busy
                    and bool(window.analyses.rows), timeout=120_000)
    st = s.settings
    em = E.EMSettings("full", st.reg_covar, min(st.tol, 1e-6), st.max_iter)
    ref = list(iter_sweep(s.points, [1, 2], ("full",), settings=em, init=MIXED, n_init=2,
                          seed=st.seed, weights=s.weights))
    for got, want in zip(window.analyses.rows, ref):
        assert got.bic == pytest.approx(want.bic, rel=1e-10)
