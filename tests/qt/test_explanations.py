"""The explanation layer in the window (issue 11): a pinned point's E-step in the
inspector and the M-step panel, with the engine's numbers, driven as a user drives them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QTextLayout, QTextOption

from gmm_explorer import engine as E
from gmm_explorer.engine.explain import e_step_terms
from gmm_explorer.qt.panels.m_step import QUANTITIES
from tests.qt.window_helpers import TIMEOUT, idle, pixel_of

LEFT = Qt.MouseButton.LeftButton


def steps(qtbot, w, n):
    for _ in range(n):
        w.actions["step"].trigger()
        idle(qtbot, w)


def fmt(v, digits: int = 4) -> str:
    """``digits`` significant digits as the panels show them (an independent spelling of
    it): trailing zeros kept, no dangling point, a true minus sign."""
    return f"{float(v) + 0.0:#.{digits}g}".removesuffix(".").replace("-", "−")


def significant_digits(text: str) -> int:
    """How many significant digits a number shown as ``text`` (by :func:`fmt`) has."""
    mantissa = re.split("e", text.replace("−", ""))[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def worked_result(formula: str) -> tuple[float, str]:
    """The arithmetic in the last step of a formula "= … = a / b + c = r", done as a
    calculator does it on the numbers shown, and the result ``r`` shown."""
    *_, numbers, result = plain(formula).split(" = ")
    python = numbers.replace("−", "-").replace("×", "*").replace(",", "")
    assert re.fullmatch(r"[-+*/() .0-9e]+", python), numbers
    # Only the panel's own digits and operators, checked above, reach eval.
    return eval(python), result


def plain(text: str) -> str:
    """``text`` with its no-break spaces read as spaces."""
    return text.replace("\u00a0", " ")


def wrapped_lines(label) -> list[str]:
    """The lines a word-wrapped ``label`` shows at its present width."""
    text = label.text()
    layout = QTextLayout(text, label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    lines = []
    layout.beginLayout()
    while (line := layout.createLine()).isValid():
        line.setLineWidth(label.contentsRect().width())
        lines.append(plain(text[line.textStart():line.textStart() + line.textLength()]).strip())
    layout.endLayout()
    return lines


def at_1280x720(qtbot, w):
    w.resize(1280, 720)
    qtbot.waitUntil(lambda: w.size().width() == 1280 and w.size().height() == 720)


def pin_most_uncertain_point(qtbot, w) -> int:
    """Pin, as a click in Inspect mode does, the point both components claim most."""
    s = w.session
    resp = E.predict_proba(s.points, s.displayed_mixture)
    i = int(np.argmax(resp.min(axis=1)))
    qtbot.keyClick(w.canvas, Qt.Key.Key_T)
    qtbot.mouseClick(w.canvas.viewport(), LEFT, pos=pixel_of(w, *s.points[i]))
    assert w.overlays.pinned == i
    return i


def m_step_shown(qtbot, w, iteration):
    """Wait until the M-step panel explains the step that made ``iteration``."""
    panel = w.panels["mstep"]
    qtbot.waitUntil(lambda: panel.shown is not None and panel.shown[3] == iteration,
                    timeout=TIMEOUT)
    return panel


# ------------------------------------------------------------------ the E-step, in the inspector


def test_a_pinned_point_shows_its_e_step_with_the_engines_numbers(window, qtbot):
    steps(qtbot, window, 2)
    s = window.session
    m = s.displayed_mixture
    # The most uncertain point: both components claim a share of it.
    resp = E.predict_proba(s.points, m)
    i = int(np.argmax(resp.min(axis=1)))
    qtbot.keyClick(window.canvas, Qt.Key.Key_T)
    assert window.canvas.view.mode == "inspect"
    qtbot.mouseClick(window.canvas.viewport(), LEFT, pos=pixel_of(window, *s.points[i]))
    assert window.overlays.pinned == i
    inspector = window.panels["inspector"]
    view = inspector.e_step
    assert view.isVisible() and window.docks["inspector"].isVisible()
    assert view.formula.text() == "rₖ = πₖ 𝒩(x | μₖ, Σₖ) / Σⱼ πⱼ 𝒩(x | μⱼ, Σⱼ)"
    t = e_step_terms(m, s.points[i])
    np.testing.assert_allclose(t.responsibilities, resp[i], rtol=1e-10)
    for j in range(m.n_components):
        assert [view.cell_text("linear", j, c) for c in range(1, 5)] == [
            fmt(t.weights[j]), fmt(t.density[j]), fmt(t.weighted_density[j]),
            fmt(t.linear_responsibilities[j])]
        assert [view.cell_text("log", j, c) for c in range(1, 5)] == [
            fmt(np.log(m.weights[j])), fmt(t.component_log_density[j]),
            fmt(t.log_terms[j]), fmt(resp[i, j])]
    assert view.total.text() == f"Σⱼ πⱼ 𝒩ⱼ = p(x) = {fmt(t.total_density)}"
    assert f"= {fmt(t.max_log_term)} + log {fmt(t.scaled_sum)} = {fmt(t.log_total)}" \
        in view.lse.text()
    assert not view.underflow.isVisible()
    # The next step changes the displayed parameters: the terms follow them.
    steps(qtbot, window, 1)
    t3 = e_step_terms(s.displayed_mixture, s.points[i])
    qtbot.waitUntil(lambda: view.cell_text("log", 0, 3) == fmt(t3.log_terms[0]),
                    timeout=TIMEOUT)
    # Unpinned, a hovered point shows no E-step.
    inspector.unpin_requested.emit()
    window.canvas.view.point_hovered.emit(3)
    assert inspector.table.isVisible() and not view.isVisible()


def test_a_pinned_point_far_from_the_data_shows_why_logs_are_used(window, qtbot):
    s = window.session
    far = (s.points[:, 0].max() + 40.0, s.points[:, 1].max() + 400.0)
    window.points.add_point(*far)
    idle(qtbot, window)
    window.overlays.pin_point(s.n_points - 1)
    view = window.panels["inspector"].e_step
    t = e_step_terms(s.displayed_mixture, far)
    assert t.underflows
    assert view.underflow.isVisible() and "log" in view.underflow.text()
    assert view.cell_text("log", 0, 4) == fmt(t.responsibilities[0])


def test_at_1280x720_the_pinned_points_chart_shows_whole_with_its_axis_label(window, qtbot):
    at_1280x720(qtbot, window)
    steps(qtbot, window, 3)
    window.show_panel("inspector")
    pin_most_uncertain_point(qtbot, window)
    inspector = window.panels["inspector"]
    plot = inspector.plot
    # Laid out with everything the pinned point shows: the chart and the E-step.
    body = inspector.scroll.widget()
    qtbot.waitUntil(lambda: plot.isVisible() and inspector.e_step.isVisible()
                    and body.height() >= body.sizeHint().height())
    # The chart is in view without scrolling: none of it is cut off by the pane.
    pane = inspector.scroll.viewport()
    assert inspector.scroll.verticalScrollBar().value() == 0
    assert pane.rect().contains(QRect(plot.mapTo(pane, QPoint(0, 0)), plot.size()))
    # Its y-axis label is no longer than the axis, and says in full what it shows.
    axis = plot.getPlotItem().getAxis("left")
    assert axis.label.boundingRect().width() <= axis.geometry().height()
    assert "responsibility" in axis.toolTip()


def test_the_inspector_names_the_log_density_as_the_e_step_does(window, qtbot):
    steps(qtbot, window, 2)
    i = pin_most_uncertain_point(qtbot, window)
    inspector = window.panels["inspector"]
    view = inspector.e_step
    t = e_step_terms(window.session.displayed_mixture, window.session.points[i])
    log_header = view.log_table.horizontalHeaderItem(2).text()
    assert log_header == "log 𝒩ₖ"
    # The inspector's column of the same numbers, log 𝒩(x | μₖ, Σₖ), has the same name.
    table = inspector.table
    [col] = [c for c in range(table.columnCount())
             if table.horizontalHeaderItem(c).text() == log_header]
    for j in range(t.n_components):
        shown = float(table.item(j, col).text().replace("−", "-"))
        assert shown == pytest.approx(t.component_log_density[j], abs=5e-4)
        assert float(view.cell_text("log", j, 2).replace("−", "-")) == pytest.approx(
            shown, abs=5e-3)
    assert "𝒩" in table.horizontalHeaderItem(col).toolTip()


# ------------------------------------------------------------------ the M-step panel


def test_the_m_step_panel_shows_before_and_after_of_a_component(window, qtbot):
    steps(qtbot, window, 2)
    s = window.session
    window.show_panel("mstep")
    panel = m_step_shown(qtbot, window, 2)
    # Select component 2 by clicking its row.
    table = panel.overview
    rect = table.visualItemRect(table.item(1, 1))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    assert panel.selected_component == 1
    before, after = s.history[1].mixture, s.history[2].mixture
    resp = E.predict_proba(s.points, before)
    nk = resp[:, 1].sum()
    terms = window.m_step_explain.last_terms
    assert terms.n_k[1] == pytest.approx(nk, rel=1e-12)
    assert terms.relative_difference(after) < 1e-10
    # Nₖ and the sums are shown to the digits that make the arithmetic shown come out
    # (at least 4); the results, as the parameters are, to 4.
    n_text = panel.component_title.text().removeprefix("Component 2: N₂ = Σᵢ rᵢ₂ = ")
    d = significant_digits(n_text)
    assert d >= 4 and n_text == fmt(nk, d)
    assert panel.overview_text(1, 1) == n_text
    assert panel.overview_text(1, 2) == fmt(before.weights[1])
    assert panel.overview_text(1, 3) == fmt(after.weights[1])
    values = {"weight": (before.weights[1], after.weights[1]),
              "mean_x": (before.means[1, 0], after.means[1, 0]),
              "mean_y": (before.means[1, 1], after.means[1, 1]),
              "cov_xx": (before.covariances[1, 0, 0], after.covariances[1, 0, 0]),
              "cov_xy": (before.covariances[1, 0, 1], after.covariances[1, 0, 1]),
              "cov_yy": (before.covariances[1, 1, 1], after.covariances[1, 1, 1])}
    for key, (b, a) in values.items():
        assert panel.value_text(key, "before") == fmt(b), key
        assert panel.value_text(key, "after") == fmt(a), key
    assert panel.before_header.text() == "before (it. 1)"
    assert panel.after_header.text() == "after (it. 2)"
    n = s.n_points
    assert plain(panel.value_text("weight", "formula")) == \
        f"= N₂ / N = {n_text} / {n:,} = {fmt(after.weights[1])}"
    sums = resp[:, 1] @ s.points
    assert plain(panel.value_text("mean_x", "formula")) == \
        f"= Σᵢ rᵢ₂ xᵢ / N₂ = {fmt(sums[0], d)} / {n_text} = {fmt(after.means[1, 0])}"
    dev = s.points - after.means[1]
    sxx = resp[:, 1] @ (dev[:, 0] * dev[:, 0])
    assert plain(panel.value_text("cov_xx", "formula")) == (
        f"= S₂,xx / N₂ + reg = {fmt(sxx, d)} / {n_text} + 1e−06 = "
        f"{fmt(after.covariances[1, 0, 0])}")
    assert panel.n_total.text() == f"Σₖ Nₖ = {fmt(n)} = N"
    assert not panel.banner.isVisible()
    # The choice of component stays as EM goes on.
    steps(qtbot, window, 1)
    m_step_shown(qtbot, window, 3)
    assert panel.selected_component == 1
    assert panel.value_text("weight", "after") == fmt(s.history[3].mixture.weights[1])


def test_the_m_steps_worked_sums_agree_with_a_calculator(window, qtbot):
    steps(qtbot, window, 3)
    window.show_panel("mstep")
    panel = m_step_shown(qtbot, window, 3)
    after = window.session.history[3].mixture
    for j in range(after.n_components):
        panel.select_component(j)
        k = "₁₂₃₄₅₆₇₈₉"[j]
        n_text = panel.component_title.text().split(" = ")[-1]
        assert panel.overview_text(j, 1) == n_text
        for key, _ in QUANTITIES:
            formula = panel.value_text(key, "formula")
            if "/" not in formula:  # Σ xy of a model without correlations
                continue
            value, result = worked_result(formula)
            assert fmt(value) == result == panel.value_text(key, "after"), (j, key)
            # Nₖ reads the same wherever it is used.
            if f"N{k}" in plain(formula).split(" = ")[0]:
                assert n_text in plain(formula), (j, key)


def test_the_m_step_panel_lays_out_cleanly_at_1280x720(window, qtbot):
    at_1280x720(qtbot, window)
    steps(qtbot, window, 3)
    window.show_panel("mstep")
    panel = m_step_shown(qtbot, window, 3)
    panel.select_component(1)
    qtbot.waitUntil(lambda: panel.rows["cov_xx"][3].isVisible())
    for key, _ in QUANTITIES:
        formula = panel.rows[key][3]
        lines = wrapped_lines(formula)
        # A long formula breaks between its symbols and its numbers, never before the
        # result: the last line holds the whole arithmetic and its result.
        assert "/" in lines[-1] and lines[-1].endswith(panel.value_text(key, "after")), \
            (key, lines)
        assert len(lines) <= 2, (key, lines)
    caption = wrapped_lines(panel.caption)
    assert any("reg = reg_covar = 1e−06" in line for line in caption), caption
    # The overview is as wide as its columns: "πₖ after" is not stretched across the pane.
    t = panel.overview
    assert t.columnWidth(3) <= t.columnWidth(2)
    columns = sum(t.columnWidth(c) for c in range(t.columnCount()))
    assert t.width() <= columns + 2 * t.frameWidth() + t.verticalScrollBar().sizeHint().width()


def test_the_m_step_panel_follows_the_displayed_state(window, qtbot):
    s = window.session
    window.show_panel("mstep")
    panel = window.panels["mstep"]
    qtbot.waitUntil(lambda: "no M-step has made it yet" in panel.message.text(),
                    timeout=TIMEOUT)
    assert panel.message.isVisible() and not panel.detail.isVisible()
    steps(qtbot, window, 3)
    m_step_shown(qtbot, window, 3)
    window.timeline.position_requested.emit(1)
    idle(qtbot, window)
    m_step_shown(qtbot, window, 1)
    assert panel.value_text("weight", "before") == fmt(s.history[0].mixture.weights[0])
    assert panel.heading.text() == "Iteration 0 → 1: the M-step"
    # A state made by hand was not made by an M-step.
    m = s.current.mixture
    window.run.apply_hand_edit(E.move_mean(m, 0, m.means[0] + 0.3), "moved the mean")
    idle(qtbot, window)
    qtbot.waitUntil(lambda: "set by hand (moved the mean)" in panel.message.text(),
                    timeout=TIMEOUT)
    assert panel.shown is None and not panel.detail.isVisible()
    steps(qtbot, window, 1)
    panel = m_step_shown(qtbot, window, 3)
    assert panel.shown[2] == 2


def test_the_m_step_is_computed_only_while_its_panel_is_shown(window, qtbot):
    window.show_panel("health")
    runner = window.m_step_explain.runner
    assert not window.m_step_explain.on_screen  # behind the Health tab
    first = runner.last_id
    steps(qtbot, window, 2)
    qtbot.wait(200)
    assert runner.last_id == first
    window.show_panel("mstep")
    m_step_shown(qtbot, window, 2)
    assert runner.last_id == first + 1
    # Showing it again with nothing changed computes nothing.
    window.show_panel("health")
    window.show_panel("mstep")
    qtbot.wait(200)
    assert runner.last_id == first + 1


def test_a_state_made_under_other_locks_is_flagged(window, qtbot):
    steps(qtbot, window, 2)
    window.show_panel("mstep")
    panel = m_step_shown(qtbot, window, 2)
    panel.select_component(0)
    lock = window.table.lock_item(0, "mean")
    lock.setCheckState(Qt.CheckState.Checked)  # as a click on the lock box does
    qtbot.waitUntil(lambda: panel.banner.isVisible(), timeout=TIMEOUT)
    assert "other locks" in panel.banner.text()
    assert panel.value_text("mean_x", "formula").startswith("= locked: kept")
    # Stepping under the lock: the new state matches its M-step again.
    steps(qtbot, window, 1)
    m_step_shown(qtbot, window, 3)
    qtbot.waitUntil(lambda: not panel.banner.isVisible(), timeout=TIMEOUT)
    s = window.session
    assert panel.value_text("mean_x", "after") == fmt(s.history[2].mixture.means[0, 0])


def test_closing_while_the_m_step_is_computed(window, qtbot):
    window.show_panel("mstep")
    window.actions["step"].trigger()
    idle(qtbot, window)
    window.m_step_explain.refresh()
    window.close()
    assert not window.m_step_explain.runner.running
