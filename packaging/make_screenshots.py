"""Regenerate the README's illustrated tour: resources/screenshots/tour-*.png and the GIF.

Drives a real window through each feature (offscreen) and grabs it:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "resources" / "screenshots"


def wait(app, cond, timeout=120.0):
    from gmm_explorer.qt.eventloop import wait_until

    wait_until(cond, timeout)
    for _ in range(5):
        app.processEvents()


def idle(app, w):
    wait(app, lambda: not w.run.busy)


def steps(app, w, n):
    for _ in range(n):
        w.actions["step"].trigger()
        idle(app, w)


def shot(app, w, name):
    import time

    end = time.monotonic() + 0.4
    while time.monotonic() < end:
        app.processEvents()
    w.grab().save(str(OUT / f"tour-{name}.png"))
    print("wrote", OUT / f"tour-{name}.png")


def fresh(app, tmp):
    from gmm_explorer.qt.main_window import MainWindow

    w = MainWindow(settings=QSettings(str(Path(tmp) / f"s{np.random.randint(1e9)}.ini"),
                                      QSettings.Format.IniFormat))
    w.resize(1280, 800)
    w.show()
    w.data.load_sample()
    idle(app, w)
    return w


def close(w):
    w.session.mark_saved()
    w.close()


def main() -> None:
    from dataclasses import replace

    from gmm_explorer.engine import edit
    from gmm_explorer.engine.datasets import generate
    from gmm_explorer.qt.panels.selection_options import SelectionOptions

    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = tempfile.mkdtemp()

    # 1. History and branches: a hand-made change at iteration 2 leads elsewhere.
    w = fresh(app, tmp)
    w.run.start_from(w.session.current.mixture, "start")
    idle(app, w)
    new = replace(w.session.settings, k=3)
    w.controls.set_settings(new)
    w.controls.settings_edited.emit()
    idle(app, w)
    steps(app, w, 12)
    w.history.scrub_to(2)
    m = w.session.current.mixture
    w.run.apply_hand_edit(edit.move_mean(m, 0, (2.0, 80.0)), "moved the mean of component 1")
    idle(app, w)
    steps(app, w, 12)
    w.history.scrub_to(8)
    idle(app, w)
    w.show_panel("branches")
    shot(app, w, "branches")

    # 2. Locks and hand-made components.
    w.panels["branches"].branch_selected.emit(0)
    idle(app, w)
    w.actions["mode_place"].trigger()
    w.components.set_lock("mean", 1, True)
    w.components.set_lock("weight", 1, True)
    w.show_panel("health")
    shot(app, w, "locks")
    close(w)

    # 3. Live model selection on Old Faithful.
    w = fresh(app, tmp)
    w.panels["selection"].set_options(SelectionOptions(k_max=6, n_init=1, auto=False))
    w.show_panel("selection")
    w.analyses.start_selection()
    wait(app, lambda: not w.analyses.selection_runner.busy, 300)
    shot(app, w, "selection")
    close(w)

    # 4. The local-optima gallery.
    w = fresh(app, tmp)
    X, lab = generate("optima", 600, 4, 0)
    w.files.install_points(X, "generated", ("x", "y"), None, None, "Several local optima")
    idle(app, w)
    w.controls.set_settings(replace(w.session.settings, k=4))
    w.controls.settings_edited.emit()
    idle(app, w)
    w.show_panel("gallery")
    w.analyses.start_gallery(20)
    wait(app, lambda: not w.analyses.gallery_runner.busy, 300)
    w.analyses.load_optimum(1)
    idle(app, w)
    shot(app, w, "optima")
    close(w)

    # 5. Numerical health: a component collapsing onto two identical points.
    w = fresh(app, tmp)
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(300, 2)) * [1.0, 0.6], np.zeros((2, 2)) + [3.5, 2.5]])
    w.files.install_points(X, "demo", ("x", "y"), None, None, "A collapsing component")
    idle(app, w)
    from gmm_explorer import engine as E

    w.run.start_from(E.Mixture([0.49, 0.49, 0.02], [[-0.5, 0], [0.5, 0], [3.5, 2.5]],
                           [np.eye(2) * 0.5, np.eye(2) * 0.5, np.eye(2) * 1e-3]), "demo")
    idle(app, w)
    steps(app, w, 4)
    w.show_panel("health")
    shot(app, w, "health")
    close(w)

    # 6. Inspector and uncertainty.
    w = fresh(app, tmp)
    steps(app, w, 3)
    w.actions["uncertainty"].trigger()
    i = int(np.argmax(1 - E.predict_proba(w.session.points, w.session.current.mixture)
                      .max(axis=1)))
    w.overlays.pin_point(i)
    w.actions["mode_inspect"].trigger()
    shot(app, w, "inspector")
    close(w)

    # 7. Ground truth, decision regions and k-means on iris.
    w = fresh(app, tmp)
    w.data.open_sample("iris", ask=False)
    idle(app, w)
    w.controls.set_settings(replace(w.session.settings, k=3))
    w.controls.settings_edited.emit()
    idle(app, w)
    w.actions["converge"].trigger()
    idle(app, w)
    w.actions["decision"].trigger()
    w.actions["kmeans_overlay"].trigger()
    idle(app, w)
    w.show_panel("truth")
    w.overlays.refresh_slow_views()
    shot(app, w, "truth")

    # 8. The animation.
    w.actions["initialise"].trigger()
    idle(app, w)
    steps(app, w, 15)
    w.exports.export("gif", str(OUT / "tour-run.gif"), size=(480, 360))
    wait(app, lambda: not w.gif_export.runner.busy, 120)
    print("wrote", OUT / "tour-run.gif")
    close(w)


if __name__ == "__main__":
    main()
