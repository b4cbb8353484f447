"""The window's background analyses: live model selection, the local-optima gallery and
the animation export. Each runs on its own :class:`~gmm_explorer.qt.jobs.JobRunner`
thread over a read-only snapshot of the points, so stepping EM never waits for them;
results computed on data that have changed since are dropped.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QProgressDialog

from gmm_explorer import engine as E
from gmm_explorer.qt.jobs import Job, JobDone, JobFailed, JobProgress, JobRunner

#: Seconds to wait after the data change before recomputing the model selection.
SELECTION_DEBOUNCE_MS = 1000
#: Gallery thumbnails, in pixels.
THUMB_SIZE = (150, 112)
#: The gallery's convergence tolerance and iteration cap (tighter than the defaults).
GALLERY_TOL = 1e-6
GALLERY_MAX_ITER = 1000
#: Points drawn in a thumbnail at most (a random subset of larger data sets).
THUMB_POINTS = 4000


def _subsample(points: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    if points.shape[0] <= n:
        return points
    idx = np.random.default_rng(seed).choice(points.shape[0], n, replace=False)
    return points[np.sort(idx)]


class Analyses(QObject):
    """Owns the analysis threads and wires them to the window's panels."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.selection_runner = JobRunner("model-selection", self)
        self.gallery_runner = JobRunner("optima-gallery", self)
        self.export_runner = JobRunner("animation-export", self)
        #: The last complete (or partial) model-selection rows and the gallery's optima.
        self.rows: tuple = ()
        self.optima: tuple = ()
        self._gallery_settings = None
        self._selection_ever_run = False
        self._export_dialog: QProgressDialog | None = None
        self._export_path: str | None = None
        self.last_export_frames = 0
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SELECTION_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.start_selection)

        sp, gp = window.selection_panel, window.gallery_panel
        sp.recompute_requested.connect(self.start_selection)
        sp.cancel_requested.connect(self.cancel_selection)
        sp.options_changed.connect(self._on_selection_options)
        sp.model_chosen.connect(self.load_selection_row)
        gp.run_requested.connect(self.start_gallery)
        gp.cancel_requested.connect(self.cancel_gallery)
        gp.optimum_chosen.connect(self.load_optimum)
        for runner in (self.selection_runner, self.gallery_runner, self.export_runner):
            runner.progressed.connect(self._on_progress)
            runner.finished.connect(self._on_finished)
            runner.failed.connect(self._on_failed)
        window.docks["selection"].visibilityChanged.connect(self._selection_visibility)

    # ------------------------------------------------------------------ life cycle

    def shutdown(self) -> None:
        """Cancel and wait for every analysis thread (on close)."""
        self._debounce.stop()
        for runner in (self.selection_runner, self.gallery_runner, self.export_runner):
            runner.shutdown()
        if self._export_dialog is not None:
            self._export_dialog.close()

    @property
    def busy(self) -> bool:
        return any(r.busy for r in (self.selection_runner, self.gallery_runner,
                                    self.export_runner))

    def data_changed(self) -> None:
        """The points changed: running analyses are stale; model selection recomputes
        (debounced) when it is in use and set to Auto."""
        self.selection_runner.cancel()
        self.gallery_runner.cancel()
        self.rows = ()
        self.optima = ()
        self.w.selection_panel.clear()
        self.w.gallery_panel.clear()
        if self._selection_wanted():
            self.w.selection_panel.set_status("data changed — recomputing in 1 s")
            self._debounce.start()

    def _selection_wanted(self) -> bool:
        s = self.w.session
        return (self.w.selection_panel.options().auto and s.n_points >= 1
                and (self._selection_ever_run or self.w.docks["selection"].isVisible()))

    @Slot(bool)
    def _selection_visibility(self, visible: bool) -> None:
        if visible and not self.rows and not self.selection_runner.busy \
                and self.w.selection_panel.options().auto and self.w.session.n_points:
            self._debounce.start(50)

    @Slot()
    def _on_selection_options(self) -> None:
        if self.w.selection_panel.options().auto and self._selection_ever_run:
            self._debounce.start()

    # ------------------------------------------------------------------ model selection

    @Slot()
    def start_selection(self) -> bool:
        """Fit BIC/AIC over K = 1..Kmax for the chosen covariance types, in the background."""
        from gmm_explorer.engine.selection import iter_sweep, sweep_cells

        s = self.w.session
        sp = self.w.selection_panel
        self._debounce.stop()
        if s.n_points == 0:
            sp.set_status("no points yet")
            return False
        opts = sp.options()
        if not opts.covariance_types:
            sp.set_status("choose at least one covariance type")
            return False
        pts = s.points
        ks = list(range(1, min(opts.k_max, pts.shape[0]) + 1))
        settings = s.settings
        em = settings.em_settings()
        types = tuple(opts.covariance_types)
        n_init, seed = int(opts.n_init), int(settings.seed)

        def run(report, cancelled):
            cells = sweep_cells(pts, ks, types)
            rows = []
            report(0, len(cells), "starting", ())
            for row in iter_sweep(pts, ks, types, settings=em, init="kmeans", n_init=n_init,
                                  seed=seed):
                rows.append(row)
                report(len(rows), len(cells), f"K={row.n_components} {row.covariance_type}",
                       tuple(rows))
                if cancelled():
                    break
            return tuple(rows)

        self._selection_ever_run = True
        self.rows = ()
        sp.clear()
        sp.set_running(True)
        sp.set_status("fitting…")
        self.selection_runner.submit(Job("selection", run, s.data_version))
        return True

    @Slot()
    def cancel_selection(self) -> None:
        self._debounce.stop()
        self.selection_runner.cancel()

    @Slot(object)
    def load_selection_row(self, row) -> None:
        if row is None or row.result is None:
            return
        self.w.start_from(row.result.mixture, f"model selection: K={row.n_components} "
                                              f"{row.covariance_type}")

    # ------------------------------------------------------------------ gallery

    @Slot(int)
    def start_gallery(self, n_restarts: int) -> bool:
        """Run ``n_restarts`` fits from different seeds and initialisations and group them
        into distinct local optima, in the background."""
        from gmm_explorer.engine.optima import group_optima, restart_plan, run_restarts
        from gmm_explorer.qt.frames import render_frame, view_ranges
        from gmm_explorer.render import point_colors

        s = self.w.session
        gp = self.w.gallery_panel
        try:
            s.check_can_fit()
        except Exception as exc:  # InputError: explain in the panel
            gp.set_status(str(exc))
            return False
        pts = s.points
        settings = s.settings
        # Converge tightly: with tol=1e-3 a "random" start (every component near the overall
        # mean) gains less than tol in its first steps and stops at once, a fake optimum.
        em = replace(settings.em_settings(), tol=min(settings.tol, GALLERY_TOL),
                     max_iter=max(settings.max_iter, GALLERY_MAX_ITER))
        k = settings.k
        plan = restart_plan(int(n_restarts), seed=int(settings.seed))

        def run(report, cancelled):
            def progress(done, total):
                report(done, total, f"restart {done} of {total}")

            restarts = run_restarts(pts, k, em, plan, progress=progress, cancelled=cancelled)
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
                images.append(render_frame(thumb_pts, point_colors(resp, resp.shape[0], "soft"),
                                           o.mixture, size=THUMB_SIZE, x_range=xr, y_range=yr,
                                           sigmas=(1,)))
            n_ok = sum(r.result is not None for r in restarts)
            return optima, images, n_ok, len(restarts)

        self.optima = ()
        self._gallery_settings = settings
        gp.clear()
        gp.set_running(True)
        self.gallery_runner.submit(Job("gallery", run, s.data_version))
        return True

    @Slot()
    def cancel_gallery(self) -> None:
        self.gallery_runner.cancel()

    @Slot(int)
    def load_optimum(self, i: int) -> None:
        if 0 <= i < len(self.optima):
            o = self.optima[i]
            self.w.start_from(o.mixture, f"local optimum #{i + 1} (mean log-likelihood "
                                         f"{o.mean_log_likelihood:.6g})")

    # ------------------------------------------------------------------ animation export

    def export_gif(self, path: str, size=(640, 480), fps: int = 8) -> bool:
        """Export the run from iteration 0 to the displayed one as an animated GIF, in the
        background, with a progress dialog that can cancel it."""
        from gmm_explorer.qt.animation import export_gif

        s = self.w.session
        if not s.history:
            self.w.show_error("Export failed", "there is no run yet: initialise and step EM "
                                               "first")
            return False
        steps = s.history[:s.current_index + 1]
        mixtures = [r.mixture for r in steps]
        titles = [f"iteration {r.iteration} · mean log-likelihood {r.mean_log_likelihood:.5g}"
                  for r in steps]
        pts = s.points

        def run(report, cancelled):
            def progress(done, total):
                report(done, total, f"frame {done} of {total}")

            return export_gif(path, pts, mixtures, size=size, fps=fps, titles=titles,
                              progress=progress, cancelled=cancelled)

        dialog = QProgressDialog("Rendering the animation…", "Cancel", 0, len(mixtures), self.w)
        dialog.setWindowTitle("Export animation")
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(self.export_runner.cancel)
        self._export_dialog = dialog
        self._export_path = path
        self.export_runner.submit(Job("gif", run, s.data_version))
        return True

    # ------------------------------------------------------------------ results

    @Slot(object)
    def _on_progress(self, p: JobProgress) -> None:
        if p.kind == "selection":
            sp = self.w.selection_panel
            sp.set_progress(p.done, p.total, p.text)
            if p.partial and p.data_version == self.w.session.data_version:
                sp.set_rows(p.partial, complete=False)
        elif p.kind == "gallery":
            self.w.gallery_panel.set_progress(p.done, p.total)
        elif p.kind == "gif" and self._export_dialog is not None:
            self._export_dialog.setMaximum(p.total)
            self._export_dialog.setValue(p.done)

    @Slot(object)
    def _on_finished(self, d: JobDone) -> None:
        if self.w._closed:
            return
        stale = d.data_version != self.w.session.data_version
        if d.kind == "selection":
            sp = self.w.selection_panel
            if d.job_id != self.selection_runner.last_id:
                return
            sp.set_running(False)
            if stale:
                return
            self.rows = d.value or ()
            sp.set_rows(self.rows, complete=not d.cancelled)
            best = sp.best_row()
            sp.set_status(
                ("cancelled — " if d.cancelled else "")
                + f"{len(self.rows)} fits" + (f"; best K={best.n_components} "
                                              f"{best.covariance_type}" if best else ""))
        elif d.kind == "gallery":
            gp = self.w.gallery_panel
            if d.job_id != self.gallery_runner.last_id:
                return
            gp.set_running(False)
            if stale or d.value is None:
                gp.set_status("cancelled" if d.cancelled else "data changed")
                return
            from gmm_explorer.qt.explore_panels import GalleryItem

            optima, images, n_ok, total = d.value
            self.optima = optima
            items = []
            for o, img in zip(optima, images):
                items.append(GalleryItem(img, o.mean_log_likelihood, o.count, total,
                                         self._optimum_tooltip(o)))
            gp.set_optima(items)
            gp.set_status(f"{len(optima)} distinct optim{'um' if len(optima) == 1 else 'a'}"
                                    f" from {n_ok} restarts" + (f" ({total - n_ok} failed)"
                                                                if n_ok < total else ""))
        elif d.kind == "gif":
            if self._export_dialog is not None:
                self._export_dialog.reset()
                self._export_dialog = None
            if d.cancelled or not d.value:
                self.w.statusBar().showMessage("Animation export cancelled", 4000)
            else:
                self.last_export_frames = int(d.value)
                self.w.statusBar().showMessage(f"Exported {d.value} frames to "
                                               f"{Path(self._export_path).name}", 5000)

    @staticmethod
    def _optimum_tooltip(o) -> str:
        members = ", ".join(f"{init} (seed {seed})" for seed, init in o.members[:6])
        more = "" if len(o.members) <= 6 else f" and {len(o.members) - 6} more"
        return (f"mean log-likelihood {o.mean_log_likelihood:.8g}\n"
                f"reached by {o.count} restart{'s' if o.count != 1 else ''}: {members}{more}\n"
                "Click to load it as the start of EM")

    @Slot(object)
    def _on_failed(self, f: JobFailed) -> None:
        if self.w._closed:
            return
        if f.kind == "selection":
            self.w.selection_panel.set_running(False)
            self.w.selection_panel.set_status(f"failed: {f.message}")
        elif f.kind == "gallery":
            self.w.gallery_panel.set_running(False)
            self.w.gallery_panel.set_status(f"failed: {f.message}")
        elif f.kind == "gif":
            if self._export_dialog is not None:
                self._export_dialog.reset()
                self._export_dialog = None
            self.w.show_error("Export failed", f.message)
