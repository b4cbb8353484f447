"""Open the window in one of the README's scenes, for a screenshot under a real display.

    ../shared/tools/screenshot.sh -s 1920x1080x24 OUT.png 12 \\
        .venv/bin/python packaging/screenshot_scenes.py SCENE

SCENE is one of: window (the centre start after three steps and an E-step), explain (a
pinned point's E-step in the Inspector), mstep (the M-step panel), presentation (F5),
standardised (Old Faithful in z-scores, View › Standardised units), selection (model
selection over mclust's fourteen models), cem (three EM steps, then classification EM on
a new branch), vb (variational Bayes with K=6 run to convergence: components switched off),
noise (two clusters among scattered outliers, fitted with a noise component), weights
(binned data: each grid cell's centre weighted by its count, markers sized by weight),
bound (the bound panel after three steps: ln p = 𝓛 + KL and the M-step's slice),
landscape (the likelihood landscape over the two components' x-means, after a run from
the centre start to convergence), compare (algorithms side by side from a K=3 random
start, at iteration 8), lesson (Help › Lessons › E and M as half-steps, at its second
step), bound-presentation (the Bound panel open, then F5: it stays beside the canvas in
large type), landscape-presentation (the landscape window open, then F5). Any scene with
"-dark" appended (window-dark, bound-dark...) is shown in a dark palette, as a dark
desktop gives it.
The window uses private settings, so a user's own settings and recovery file are
untouched. packaging/make_screenshots.py makes the other tour pictures offscreen.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

SCENES = ("window", "explain", "mstep", "presentation", "standardised", "selection", "cem",
          "vb", "noise", "weights", "bound", "landscape", "compare", "lesson",
          "bound-presentation", "landscape-presentation")


def main(scene: str) -> int:
    from dataclasses import replace

    import numpy as np

    from gmm_explorer import engine as E
    from gmm_explorer.qt.eventloop import wait_until
    from gmm_explorer.qt.main_window import MainWindow
    from gmm_explorer.qt.window_state import default_size

    dark = scene.endswith("-dark")
    scene = scene.removesuffix("-dark")
    if scene not in SCENES:
        print(f"unknown scene {scene!r}; one of {', '.join(SCENES)}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if dark:  # what a dark desktop gives Qt's Fusion style
        from gmm_explorer.qt.theme import dark_palette

        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    ini = Path(tempfile.mkdtemp()) / "settings.ini"
    w = MainWindow(settings=QSettings(str(ini), QSettings.Format.IniFormat))
    default_size(w)
    w.show()

    def idle():
        wait_until(lambda: not w.run.busy, 120)

    def converge_and_colour():
        w.actions["converge"].trigger()
        wait_until(lambda: not w.run.busy and w.session.current.converged, 120)
        w.actions["e_step"].trigger()
        idle()
        w.session.mark_saved()  # nothing to ask when the screenshot tool closes it

    def act():
        wait_until(lambda: w.kernels.ready, 300)
        if scene == "weights":
            # Binned data: 20,000 draws counted on a 36 x 36 grid; each non-empty cell is
            # one point, weighted by its count.
            rng = np.random.default_rng(3)
            draws = np.vstack([rng.multivariate_normal((0, 0), ((1.0, 0.6), (0.6, 1.0)), 9000),
                               rng.multivariate_normal((4, 1), ((0.5, 0), (0, 1.5)), 7000),
                               rng.normal((1.5, 4.5), 0.6, (4000, 2))])
            counts, ex, ey = np.histogram2d(draws[:, 0], draws[:, 1], bins=36)
            cx, cy = (ex[:-1] + ex[1:]) / 2, (ey[:-1] + ey[1:]) / 2
            i, j = np.nonzero(counts)
            path = Path(tempfile.mkdtemp()) / "binned.csv"
            path.write_text("x,y,count\n" + "".join(
                f"{cx[a]:.4f},{cy[b]:.4f},{int(counts[a, b])}\n" for a, b in zip(i, j)))
            w.run.apply_settings(replace(w.session.settings, init="kmeans", k=3))
            w.session.mark_saved()
            w.files.load_file(str(path), columns="x,y", weights="count")
            idle()
            converge_and_colour()
            return
        if scene == "lesson":
            from gmm_explorer.io.lessons import bundled_lessons

            w.lessons.open(str(bundled_lessons()[2].path))
            idle()
            w.actions["initialise"].trigger()
            idle()
            w.actions["e_step"].trigger()
            idle()
            w.lesson_panel.next.click()
            w.actions["m_step"].trigger()
            idle()
            wait_until(lambda: w.bound_explain.last_view is not None, 60)
            w.session.mark_saved()
            return
        if scene == "noise":
            rng = np.random.default_rng(0)
            X = np.vstack([rng.normal((0, 0), (1.0, 0.6), (300, 2)),
                           rng.normal((5, 3), 0.7, (200, 2)),
                           rng.uniform(-6, 11, (70, 2))])
            path = Path(tempfile.mkdtemp()) / "outliers.npy"
            np.save(path, X)
            w.run.apply_settings(replace(w.session.settings, init="kmeans", noise=0.1))
            w.session.mark_saved()  # no question about the empty session
            w.files.load_file(str(path))
            idle()
            w.actions["initialise"].trigger()
            idle()
            converge_and_colour()
            return
        init = ("kmeans" if scene in ("standardised", "vb") else "random" if scene == "compare"
                else "centre")
        k = 6 if scene == "vb" else 3 if scene == "compare" else 2
        w.run.apply_settings(replace(w.session.settings, init=init, k=k))
        w.data.load_sample()
        idle()
        if scene == "vb":
            w.controls.algorithm.setCurrentIndex(w.controls.algorithm.findData("vb"))
            idle()
            converge_and_colour()
            return
        if scene == "standardised":
            w.units_bar.button.click()
            idle()
        if scene == "compare":
            w.run.apply_settings(replace(w.session.settings, seed=1, tol=1e-4))
            w.actions["initialise"].trigger()
            idle()
            w.session.mark_saved()
            w.compare.open()
            wait_until(lambda: w.compare.runs is not None and not w.compare.busy, 60)
            w.compare_window.slider.setValue(8)
            cw = w.compare_window
            cw.move(w.geometry().center() - cw.rect().center())
            return
        for _ in range(3):
            w.actions["step"].trigger()
            idle()
        if scene == "window":
            w.actions["e_step"].trigger()
            idle()
        elif scene == "cem":
            w.controls.algorithm.setCurrentIndex(w.controls.algorithm.findData("cem"))
            idle()
            for _ in range(3):
                w.actions["step"].trigger()
                idle()
            w.actions["e_step"].trigger()
            idle()
        elif scene == "explain":
            s = w.session
            resp = E.predict_proba(s.points, s.current.mixture)
            w.actions["mode_inspect"].trigger()
            w.overlays.pin_point(int(np.argmin(np.abs(resp[:, 0] - 0.5))))
        elif scene in ("landscape", "landscape-presentation"):
            converge_and_colour()
            w.landscape.open()
            lw = w.landscape_window
            wait_until(lambda: lw.shown is not None and not w.landscape.busy, 60)
            lw.move(w.geometry().center() - lw.rect().center())
            if scene == "landscape-presentation":
                w.actions["presentation"].trigger()
                lw.raise_()
        elif scene in ("bound", "bound-presentation"):
            w.show_panel("bound")
            wait_until(lambda: w.bound_explain.last_view is not None, 60)
            if scene == "bound-presentation":
                w.actions["presentation"].trigger()
        elif scene == "mstep":
            w.show_panel("mstep")
            w.panels["mstep"].select_component(1)
        elif scene == "selection":
            from dataclasses import replace as with_options

            w.show_panel("selection")
            sp = w.panels["selection"]
            sp.form.preset_buttons["all"].click()
            sp.set_options(with_options(sp.options(), k_max=6, n_init=3, auto=False))
            w.analyses.start_selection()
            wait_until(lambda: not w.analyses.selection_runner.busy, 300)
        elif scene == "presentation":
            w.actions["step"].trigger()
            idle()
            w.actions["presentation"].trigger()
        w.session.mark_saved()  # nothing to ask when the screenshot tool closes it

    QTimer.singleShot(300, act)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "window"))
