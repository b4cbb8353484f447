"""What the canvas shows besides points and components, and the panels that explain a
point: colour modes, decision regions, the k-means overlay, ground-truth marker shapes,
the point inspector (hover and pin) and the ground-truth agreement."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Slot

#: Milliseconds the views that cost a pass over the data wait to coalesce changes.
SLOW_VIEWS_MS = 120


class OverlaysController(QObject):
    """Parameters
    ----------
    session : Session
    canvas : Canvas
    inspector : InspectorPanel
    truth_panel : GroundTruthPanel
    run : RunController
        Asked for the k-means centroids; says when they arrive.
    toggles : dict of str -> QAction
        The checkable View actions ``hard``, ``uncertainty``, ``decision`` and
        ``kmeans_overlay``.
    truth_visible : callable () -> bool
        Whether the ground-truth panel is on screen (its table is computed only then).
    inspector_dock : QDockWidget
        Brought to the front when a point is pinned.
    """

    def __init__(self, session, canvas, inspector, truth_panel, run, toggles, truth_visible,
                 inspector_dock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.canvas = canvas
        self.inspector = inspector
        self.truth_panel = truth_panel
        self.run = run
        self.toggles = toggles
        self._truth_visible = truth_visible
        self._inspector_dock = inspector_dock
        #: Index of the pinned point (the inspector's trajectory), or None.
        self.pinned: int | None = None
        self.hovered: int | None = None
        #: The k-means centroids shown by the overlay (None until computed).
        self.kmeans_centroids = None
        self._shapes_on = True
        #: (mixture, data version, MatchedConfusion) of the last ground-truth table shown.
        self.last_agreement: tuple | None = None
        self._slow = QTimer(self)
        self._slow.setSingleShot(True)
        self._slow.setInterval(SLOW_VIEWS_MS)
        self._slow.timeout.connect(self.refresh_slow_views)
        toggles["hard"].toggled.connect(self._hard_toggled)
        toggles["uncertainty"].toggled.connect(self._uncertainty_toggled)
        toggles["decision"].toggled.connect(canvas.set_show_decision)
        toggles["kmeans_overlay"].toggled.connect(self._kmeans_toggled)
        run.kmeans_computed.connect(self._show_kmeans)
        v = canvas.view
        v.point_hovered.connect(self.hover)
        v.point_pinned.connect(self.pin_point)
        inspector.unpin_requested.connect(self.unpin)
        truth_panel.shapes_toggled.connect(self._shapes_toggled)

    # ------------------------------------------------------------------ colours, overlays

    @Slot(bool)
    def _hard_toggled(self, on: bool) -> None:
        self.canvas.set_color_mode("hard" if on else "soft")

    @Slot(bool)
    def _uncertainty_toggled(self, on: bool) -> None:
        if on and self.toggles["hard"].isChecked():
            self.toggles["hard"].setChecked(False)
        self._apply_colour_mode()

    @Slot()
    def _apply_colour_mode(self) -> None:
        mode = ("uncertainty" if self.toggles["uncertainty"].isChecked() else
                "hard" if self.toggles["hard"].isChecked() else "soft")
        self.canvas.set_color_mode(mode)
        if self.run.colours.lacks_uncertainty:
            # The passes leave the uncertainty out unless the view colours by it: ask for
            # the colours again, with it (a run in progress brings it with its next step).
            self.run.request_colours()

    def wants_kmeans(self) -> bool:
        return self.toggles["kmeans_overlay"].isChecked()

    @Slot(bool)
    def _kmeans_toggled(self, on: bool) -> None:
        self.canvas.set_show_kmeans(on)
        if on:
            self.run.request_kmeans()

    @Slot(object)
    def _show_kmeans(self, centroids) -> None:
        self.kmeans_centroids = centroids
        self.canvas.set_kmeans(centroids)

    @Slot(bool)
    def _shapes_toggled(self, on: bool) -> None:
        self._shapes_on = on
        self._update_label_shapes()

    def _update_label_shapes(self) -> None:
        """Ground-truth labels as marker shapes (when the data have labels)."""
        labels = self.session.labels
        if labels is None or not self._shapes_on:
            self.canvas.set_label_shapes(None)
            return
        _, codes = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
        self.canvas.set_label_shapes(codes)

    @Slot()
    def data_replaced(self) -> None:
        """The points changed: overlays of the old data go."""
        self.kmeans_centroids = None
        self.canvas.set_kmeans(None)
        if self.pinned is not None:
            self.pin_point(-1)
        self.hovered = None
        self.canvas.set_hovered(None)
        self._update_label_shapes()
        if self.wants_kmeans() and not self.session.in_stroke:
            self.run.request_kmeans()

    # ------------------------------------------------------------------ inspector

    @Slot(int)
    def hover(self, index: int) -> None:
        self.hovered = None if index < 0 else index
        self.canvas.set_hovered(self.hovered)
        self._update_inspector()

    @Slot(int)
    def pin_point(self, index: int) -> None:
        """Pin point ``index`` (-1 unpins): the inspector shows its trajectory."""
        self.pinned = None if index < 0 or index >= self.session.n_points else index
        self.canvas.set_pinned(self.pinned)
        if self.pinned is not None:
            self._inspector_dock.show()
            self._inspector_dock.raise_()
        self._update_inspector()

    @Slot()
    def unpin(self) -> None:
        self.pin_point(-1)

    def _update_inspector(self) -> None:
        from gmm_explorer.engine.explain import e_step_terms
        from gmm_explorer.engine.point_report import point_report, point_reports_along

        s = self.session
        m = s.displayed_mixture
        if self.pinned is not None and self.pinned >= s.n_points:
            self.pinned = None
            self.canvas.set_pinned(None)
        index = self.pinned if self.pinned is not None else self.hovered
        if index is None or index >= s.n_points or m is None:
            self.inspector.clear()
            self.inspector.clear_trajectory()
            return
        xy = (float(s.points[index, 0]), float(s.points[index, 1]))
        r = point_report(m, xy)
        self.inspector.set_point(index, xy, float(r.log_density), r.responsibilities,
                                 r.mahalanobis, r.component_log_density,
                                 self.pinned is not None)
        # The pinned point's E-step, factor by factor (K numbers: cheap, no pass over data).
        if self.pinned is not None:
            self.inspector.set_e_step(e_step_terms(m, xy))
        else:
            self.inspector.clear_e_step()
        if self.pinned is not None and s.history:
            k = m.n_components
            same_k = [r for r in s.history if r.mixture.n_components == k]
            resp = point_reports_along([r.mixture for r in same_k], xy)
            self.inspector.set_trajectory(np.array([r.iteration for r in same_k], float), resp,
                                          s.current.iteration if s.current else None)
        else:
            self.inspector.clear_trajectory()

    # ------------------------------------------------------------------ ground truth

    def _update_truth(self) -> None:
        """ARI and the matched confusion table of the displayed parameters' clustering."""
        from gmm_explorer import engine as E
        from gmm_explorer.engine.agreement import matched_confusion

        s = self.session
        m = s.displayed_mixture
        if s.labels is None:
            self.truth_panel.clear("This data set has no labels. Open iris or penguins from "
                                   "File › Samples, or generate data (File › Generate).")
            return
        if m is None:
            self.truth_panel.clear("No model yet: initialise (I).")
            return
        if not self._truth_visible():
            return  # computed when shown
        # Parameters no E-step has evaluated yet (a start, or a state made by hand) are a
        # guess, not a fit: their agreement is shown, but labelled as what it is. Any other
        # state came from an M-step on responsibilities (iteration > 0), or phase "E" has
        # just computed them.
        cur = s.current
        hand = cur is not None and s.current_index in s.branch.notes
        if cur is not None and (s.phase == "E" or (cur.iteration > 0 and not hand)):
            guess = None
        else:
            guess = "by hand" if hand else "start"
        cache = self.last_agreement
        if cache is not None and cache[0] is m and cache[1] == s.data_version:
            if cache[3] == guess:
                return
            c = cache[2]  # the same parameters, now evaluated: only the label changes
        else:
            pred = E.predict(s.points, m)
            c = matched_confusion(np.asarray(s.labels, dtype=object).astype(str), pred,
                                  m.n_components)
        panel = self.truth_panel
        panel.set_agreement(c.ari, c.accuracy, c.classes, c.table, c.component_order,
                            s.label_name or "label")
        if guess is None:
            panel.ari.setToolTip(panel.ARI_TIP)
        else:
            what = ("ARI of the start (no E-step yet)" if guess == "start" else
                    "ARI of parameters set by hand (no E-step yet)")
            panel.ari.setText(f"{panel.ari.text()} ({guess})")
            panel.ari.setToolTip(f"{what}: the agreement of a guess, not of EM. "
                                 f"{panel.ARI_TIP}")
            panel.caption.setText(f"{what}; press E or Space · {panel.caption.text()}")
        # The last element: what unevaluated parameters are ("start"…), None once fitted.
        self.last_agreement = (m, s.data_version, c, guess)

    @Slot()
    def schedule_slow_views(self) -> None:
        """Refresh the inspector and ground truth soon (coalescing bursts of changes)."""
        self._slow.start()

    @Slot()
    def refresh_slow_views(self) -> None:
        """Views that cost a pass over the data or the history (the ground truth, the
        pinned point's trajectory), refreshed at most a few times a second."""
        self._update_inspector()
        self._update_truth()

    def shutdown(self) -> None:
        self._slow.stop()
