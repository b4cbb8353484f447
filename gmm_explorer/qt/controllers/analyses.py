"""The background analyses: live model selection and the local-optima gallery. Each runs on its own :class:`~gmm_explorer.qt.threads.BackgroundThread`
over a read-only snapshot of the points, so stepping EM never waits for them; results
computed on data that have changed since are dropped.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, QTimer, Slot

from gmm_explorer import engine as E
from gmm_explorer.qt.threads import (
    BackgroundThread,
    Progress,
    Task,
    TaskDone,
    TaskFailed,
    unless_cancelled,
)

#: Seconds to wait after the data change before recomputing the model selection.
SELECTION_DEBOUNCE_MS = 1000
#: Gallery thumbnails, in pixels (GalleryPanel.THUMB): one across the ~330 px dock (the
#: panel shows them smaller in a narrower one), with tick labels of a fixed readable size.
THUMB_SIZE = (288, 216)
#: The gallery's convergence tolerance and iteration cap (tighter than the defaults).
GALLERY_TOL = 1e-6
GALLERY_MAX_ITER = 1000
#: Points drawn in a thumbnail at most (a random subset of larger data sets).
THUMB_POINTS = 4000


def matching_optimum(optima, mixture, scale) -> int | None:
    """The index of the first of ``optima`` that ``mixture`` is, or None.

    Same K and covariance type, and after matching the components one to one
    (:func:`~gmm_explorer.engine.optima.match_components`), every mean within ``MEAN_TOL``
    standard deviations of the data (``scale``, per axis) of its match: the gallery's
    grouping rule without the log-likelihood, which a displayed start has not got yet.
    """
    from gmm_explorer.engine.optima import MEAN_TOL, match_components

    if mixture is None:
        return None
    scale = np.asarray(scale, dtype=float)
    for i, o in enumerate(optima):
        m = o.mixture
        if (m.n_components, m.covariance_type) != (mixture.n_components,
                                                   mixture.covariance_type):
            continue
        perm = match_components(m, mixture, scale)
        gap = (np.asarray(m.means) - np.asarray(mixture.means)[perm]) / scale
        if np.all(np.hypot(gap[:, 0], gap[:, 1]) <= MEAN_TOL):
            return i
    return None


def _subsample(points: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    if points.shape[0] <= n:
        return points
    idx = np.random.default_rng(seed).choice(points.shape[0], n, replace=False)
    return points[np.sort(idx)]


class AnalysesController(QObject):
    """Owns the analysis threads and drives the model-selection and gallery panels.

    Parameters
    ----------
    session : Session
    selection_panel : SelectionPanel
    gallery_panel : GalleryPanel
    selection_shown : callable () -> bool
        Whether the model-selection panel is on screen (Auto recomputes only then).
    run : RunController
        Loads a chosen model as the start of EM.
    feedback : Feedback
    parent : QObject
    """

    def __init__(self, session, selection_panel, gallery_panel, selection_shown, run,
                 feedback, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.selection_panel = selection_panel
        self.gallery_panel = gallery_panel
        self._selection_shown = selection_shown
        self.run = run
        self.feedback = feedback

        def data_version() -> int:
            return session.data_version

        self.selection_runner = BackgroundThread("model-selection", data_version,
                                                 latest_only=True, parent=self)
        self.gallery_runner = BackgroundThread("optima-gallery", data_version,
                                               latest_only=True, parent=self)
        #: The last complete (or partial) model-selection rows and the gallery's optima.
        self.rows: tuple = ()
        self.optima: tuple = ()
        #: Per-axis standard deviations of the data the optima were found on.
        self._optima_scale = np.ones(2)
        #: The gallery's restarts' paths of means, each (n_iterations, K, 2); () before
        #: the first gallery (and after the data change).
        self.restart_paths: tuple = ()
        self._selection_ever_run = False
        self._closed = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SELECTION_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.start_selection)

        sp, gp = selection_panel, gallery_panel
        sp.recompute_requested.connect(self.start_selection)
        sp.cancel_requested.connect(self.cancel_selection)
        sp.options_changed.connect(self._on_selection_options)
        sp.model_chosen.connect(self.load_selection_row)
        gp.run_requested.connect(self.start_gallery)
        gp.cancel_requested.connect(self.cancel_gallery)
        gp.optimum_chosen.connect(self.load_optimum)
        self.selection_runner.progressed.connect(self._selection_progress)
        self.selection_runner.finished.connect(self._selection_finished)
        self.selection_runner.failed.connect(self._selection_failed)
        self.selection_runner.dropped.connect(self._selection_dropped)
        self.gallery_runner.progressed.connect(self._gallery_progress)
        self.gallery_runner.finished.connect(self._gallery_finished)
        self.gallery_runner.failed.connect(self._gallery_failed)
        self.gallery_runner.dropped.connect(self._gallery_dropped)

    # ------------------------------------------------------------------ life cycle

    def shutdown(self) -> None:
        """Cancel and wait for every analysis thread (on close)."""
        self._closed = True
        self._debounce.stop()
        for runner in (self.selection_runner, self.gallery_runner):
            runner.shutdown()

    @property
    def busy(self) -> bool:
        return self.selection_runner.busy or self.gallery_runner.busy

    @Slot()
    def data_changed(self) -> None:
        """The points changed: running analyses are stale; model selection recomputes
        (debounced) when it is in use and set to Auto."""
        self.selection_runner.cancel()
        self.gallery_runner.cancel()
        self.rows = ()
        self.optima = ()
        self.restart_paths = ()
        self.selection_panel.clear()
        self.gallery_panel.clear()
        if self._selection_wanted():
            self.selection_panel.set_status("data changed — recomputing in 1 s")
            self._debounce.start()

    def _selection_wanted(self) -> bool:
        return (self.selection_panel.options().auto and self.session.n_points >= 1
                and (self._selection_ever_run or self._selection_shown()))

    @Slot(bool)
    def selection_visibility_changed(self, visible: bool) -> None:
        """The model-selection panel was shown or hidden."""
        if visible and not self.rows and not self.selection_runner.busy \
                and self.selection_panel.options().auto and self.session.n_points:
            self._debounce.start(50)

    @Slot()
    def _on_selection_options(self) -> None:
        if self.selection_panel.options().auto and self._selection_ever_run:
            self._debounce.start()

    # ------------------------------------------------------------------ model selection

    @Slot()
    def start_selection(self) -> bool:
        """Fit BIC/AIC over K = 1..Kmax for the chosen covariance types, in the background."""
        from gmm_explorer.engine import EMSettings
        from gmm_explorer.engine.priors import split_by_prior
        from gmm_explorer.engine.selection import MIXED, SELECTION_TOL, iter_sweep, sweep_cells

        s = self.session
        sp = self.selection_panel
        self._debounce.stop()
        if s.n_points == 0:
            sp.set_status("no points yet")
            return False
        opts = sp.options()
        if not opts.covariance_types:
            sp.set_status("choose at least one covariance type")
            return False
        pts, weights = s.points, s.weights
        ks = list(range(1, min(opts.k_max, pts.shape[0]) + 1))
        # Selection converges its fits tighter than a Step does (a loose tol can leave a
        # fit tens of nats short and change the chosen model), from mixed starts.
        # EM with the model settings' tolerances (not their algorithm, noise or prior:
        # the panel's own MAP box says whether the cells are fitted under the prior).
        st = s.settings
        em = EMSettings("full", float(st.reg_covar), min(float(st.tol), SELECTION_TOL),
                        int(st.max_iter), prior=opts.prior)
        types = tuple(opts.covariance_types)
        left_out = ()
        if opts.prior:
            types, left_out = split_by_prior(types)
            if not types:
                sp.set_status("mclust has no conjugate prior for the chosen models: untick "
                              "MAP or choose others")
                return False
        n_init, seed = int(opts.n_init), int(s.settings.seed)

        def run(report, cancelled):
            cells = sweep_cells(pts, ks, types)
            rows = []
            report(Progress(0, len(cells), "starting", ()))
            for row in iter_sweep(pts, ks, types, settings=em, init=MIXED, n_init=n_init,
                                  seed=seed, cancelled=cancelled, weights=weights):
                rows.append(row)
                report(Progress(len(rows), len(cells),
                                f"K={row.n_components} {row.covariance_type}", tuple(rows)))
                if cancelled():
                    break
            return tuple(rows)

        self._selection_ever_run = True
        self.rows = ()
        sp.clear()
        sp.set_running(True)
        sp.set_status("fitting…" if not left_out else
                      f"fitting under the prior (left out {', '.join(left_out)}: mclust has "
                      "no prior for them)…")
        self.selection_runner.submit(Task("selection", unless_cancelled(run), s.data_version))
        return True

    @Slot()
    def cancel_selection(self) -> None:
        self._debounce.stop()
        self.selection_runner.cancel()

    @Slot(object)
    def load_selection_row(self, row) -> None:
        if row is None or row.result is None:
            return
        self.run.start_from(row.result.mixture, f"model selection: K={row.n_components} "
                                                f"{row.covariance_type}")

    @Slot(object)
    def _selection_progress(self, p) -> None:
        sp = self.selection_panel
        sp.set_progress(p.payload.done, p.payload.total, p.payload.text)
        if p.payload.partial:
            sp.set_rows(p.payload.partial, complete=False)

    @Slot(object)
    def _selection_finished(self, d: TaskDone) -> None:
        if self._closed:
            return
        sp = self.selection_panel
        sp.set_running(False)
        self.rows = d.value or ()
        sp.set_rows(self.rows, complete=not d.cancelled)
        best = sp.best_row()
        sp.set_status(("cancelled — " if d.cancelled else "") + f"{len(self.rows)} fits"
                      + (f"; best K={best.n_components} {best.covariance_type}" if best else ""))

    @Slot(object)
    def _selection_dropped(self, outcome) -> None:
        # A newer fit is running (keep its state), or the data changed (it is stale).
        if not self._closed and outcome.task_id == self.selection_runner.last_id:
            self.selection_panel.set_running(False)

    @Slot(object)
    def _selection_failed(self, f: TaskFailed) -> None:
        if not self._closed:
            self.selection_panel.set_running(False)
            self.selection_panel.set_status(f"failed: {f.message}")

    # ------------------------------------------------------------------ gallery

    @Slot(int)
    def start_gallery(self, n_restarts: int) -> bool:
        """Run ``n_restarts`` fits from different seeds and initialisations and group them
        into distinct local optima, in the background."""
        from gmm_explorer.drawing import point_colors, view_ranges
        from gmm_explorer.engine.optima import (
            data_scale,
            group_optima,
            restart_plan,
            run_restarts,
        )
        from gmm_explorer.qt.panels.optima_gallery import render_thumbnail

        s = self.session
        gp = self.gallery_panel
        try:
            s.check_can_fit()
        except Exception as exc:  # InputError: explain in the panel
            gp.set_status(str(exc))
            return False
        pts, weights = s.points, s.weights
        settings = s.settings
        # Converge tightly: with tol=1e-3 a "random" start (every component near the overall
        # mean) gains less than tol in its first steps and stops at once, a fake optimum.
        em = replace(settings.em_settings(), tol=min(settings.tol, GALLERY_TOL),
                     max_iter=max(settings.max_iter, GALLERY_MAX_ITER))
        k = settings.k
        plan = restart_plan(int(n_restarts), seed=int(settings.seed))

        def run(report, cancelled):
            def progress(done, total):
                report(Progress(done, total, f"restart {done} of {total}"))

            restarts = run_restarts(pts, k, em, plan, progress=progress, cancelled=cancelled,
                                    weights=weights)
            if cancelled():
                return None
            optima = group_optima(pts, restarts)
            thumb_pts = _subsample(pts, THUMB_POINTS)
            xr, yr = view_ranges(thumb_pts, [o.mixture for o in optima])
            images = []
            for o in optima:
                if cancelled():
                    return None
                resp = E.e_step(thumb_pts, o.mixture, want_resp=True).responsibilities
                images.append(render_thumbnail(
                    thumb_pts, point_colors(resp, resp.shape[0], "soft"), o.mixture,
                    size=THUMB_SIZE, x_range=xr, y_range=yr))
            n_ok = sum(r.result is not None for r in restarts)
            # Each restart's path of means, for the likelihood landscape's overlay.
            paths = tuple(np.array([st.mixture.means for st in r.result.history])
                          for r in restarts if r.result is not None)
            return optima, images, n_ok, len(restarts), data_scale(pts), paths

        self.optima = ()
        self.restart_paths = ()
        gp.clear()
        gp.set_running(True)
        self.gallery_runner.submit(Task("gallery", unless_cancelled(run), s.data_version))
        return True

    @Slot()
    def cancel_gallery(self) -> None:
        self.gallery_runner.cancel()

    @Slot(int)
    def load_optimum(self, i: int) -> None:
        if 0 <= i < len(self.optima):
            o = self.optima[i]
            self.run.start_from(o.mixture, f"local optimum #{i + 1} (mean log-likelihood "
                                           f"{o.mean_log_likelihood:.6g})")
            self.mark_current(self.session.displayed_mixture)

    def mark_current(self, mixture) -> None:
        """Mark the gallery's optimum that ``mixture`` (the fit the window shows, or None)
        is, if any (:func:`matching_optimum`). Call it whenever the displayed state
        changes."""
        self.gallery_panel.set_current(matching_optimum(self.optima, mixture,
                                                        self._optima_scale))

    @Slot(object)
    def _gallery_progress(self, p) -> None:
        self.gallery_panel.set_progress(p.payload.done, p.payload.total)

    @Slot(object)
    def _gallery_finished(self, d: TaskDone) -> None:
        if self._closed:
            return
        from gmm_explorer.qt.panels.optima_gallery import GalleryItem

        gp = self.gallery_panel
        gp.set_running(False)
        if d.value is None:
            gp.set_status("cancelled" if d.cancelled else "data changed")
            return
        optima, images, n_ok, total, scale, paths = d.value
        self.optima, self._optima_scale = optima, scale
        self.restart_paths = paths
        gp.set_optima([GalleryItem(img, o.mean_log_likelihood, o.count, total,
                                   self._optimum_tooltip(o)) for o, img in zip(optima, images)])
        self.mark_current(self.session.displayed_mixture)
        gp.set_status(f"{len(optima)} distinct optim{'um' if len(optima) == 1 else 'a'}"
                      f" from {n_ok} restarts" + (f" ({total - n_ok} failed)"
                                                  if n_ok < total else ""))

    @Slot(object)
    def _gallery_dropped(self, outcome) -> None:
        if not self._closed and outcome.task_id == self.gallery_runner.last_id:
            self.gallery_panel.set_running(False)
            self.gallery_panel.set_status("cancelled" if getattr(outcome, "cancelled", False)
                                          else "data changed")

    @Slot(object)
    def _gallery_failed(self, f: TaskFailed) -> None:
        if not self._closed:
            self.gallery_panel.set_running(False)
            self.gallery_panel.set_status(f"failed: {f.message}")

    @staticmethod
    def _optimum_tooltip(o) -> str:
        members = ", ".join(f"{init} (seed {seed})" for seed, init in o.members[:6])
        more = "" if len(o.members) <= 6 else f" and {len(o.members) - 6} more"
        return (f"mean log-likelihood {o.mean_log_likelihood:.8g}\n"
                f"reached by {o.count} restart{'s' if o.count != 1 else ''}: {members}{more}\n"
                "Click to load it as the start of EM")
