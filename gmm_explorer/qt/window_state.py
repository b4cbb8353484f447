"""What the window remembers between launches (QSettings): the model settings, the view
toggles, and the geometry of the window, its docks and splitters. A damaged settings file
never stops the app: the defaults are used instead."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from gmm_explorer.errors import GMMExplorerError
from gmm_explorer.qt.panels.widgets import signals_blocked
from gmm_explorer.session import ModelSettings

#: The keys of ModelSettings.as_dict(), in its order.
_MODEL_KEYS = ("k", "covariance_type", "init", "seed", "reg_covar", "tol", "max_iter",
               "algorithm", "weight_prior", "prior", "noise", "noise_region")


def _flag(value) -> bool:
    """A flag read back from QSettings (an ini file holds "true"/"false")."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError(f"not a flag: {value!r}")
    return text == "true"


def restore_model_settings(q: QSettings) -> ModelSettings:
    """The model settings last used, or the defaults if they are missing or damaged."""
    try:
        return ModelSettings(int(q.value("model/k", 2)),
                             str(q.value("model/covariance_type", "full")),
                             str(q.value("model/init", "kmeans")), int(q.value("model/seed", 0)),
                             float(q.value("model/reg_covar", 1e-6)),
                             float(q.value("model/tol", 1e-3)),
                             int(q.value("model/max_iter", 100)),
                             str(q.value("model/algorithm", "em")),
                             str(q.value("model/weight_prior", "dirichlet_process")),
                             _flag(q.value("model/prior", False)),
                             float(q.value("model/noise", 0.0)),
                             str(q.value("model/noise_region", "box")))
    except (GMMExplorerError, TypeError, ValueError):
        return ModelSettings()


def reset_view_toggles(q: QSettings, controls, canvas) -> None:
    """The view options back to their defaults (1σ and 2σ ellipses, contours)."""
    for key in [f"view/sigma{s}" for s in controls.sigma_boxes] + ["view/contours",
                                                                   "view/density"]:
        q.remove(key)
    restore_view_toggles(q, controls, canvas)


def restore_view_toggles(q: QSettings, controls, canvas) -> None:
    """The sigma ellipses, contours and density shading last shown."""
    with signals_blocked(*controls.sigma_boxes.values(), controls.contours, controls.density):
        for sig, box in controls.sigma_boxes.items():
            on = str(q.value(f"view/sigma{sig}", "true" if sig < 3 else "false")) == "true"
            box.setChecked(on)
            canvas.set_show_sigma(sig, on)
        controls.contours.setChecked(str(q.value("view/contours", "true")) == "true")
        canvas.set_show_contours(controls.contours.isChecked())
        controls.density.setChecked(str(q.value("view/density", "false")) == "true")
        canvas.set_show_density(controls.density.isChecked())


def default_geometry(avail_width: int, avail_height: int) -> tuple[int, int]:
    """The first-launch window size for a screen with this free area: 80% of it (1536 x
    864 on 1920 x 1080), at least 1280 x 820, at most 94% of it."""
    w = min(max(1280, int(avail_width * 0.8)), int(avail_width * 0.94))
    h = min(max(820, int(avail_height * 0.8)), int(avail_height * 0.94))
    return w, h


def default_size(window) -> None:
    """Size the window by :func:`default_geometry` and centre it."""
    screen = window.screen()
    w, h = 1280, 820
    if screen is not None:
        avail = screen.availableGeometry()
        w, h = default_geometry(avail.width(), avail.height())
        window.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)
    window.resize(w, h)


def _geometry(window) -> tuple:
    return (("window/geometry", window.saveGeometry, window.restoreGeometry),
            ("window/state", window.saveState, window.restoreState),
            ("window/main_split", window.main_split.saveState, window.main_split.restoreState),
            ("window/center_split", window.center_split.saveState,
             window.center_split.restoreState),
            ("window/right_split", window.right_split.saveState,
             window.right_split.restoreState))


def restore_geometry(q: QSettings, window) -> None:
    for key, _, restore in _geometry(window):
        value = q.value(key)
        if isinstance(value, QByteArray):
            restore(value)


def save_all(q: QSettings, settings: ModelSettings, controls, window) -> None:
    """Remember the model settings, the view toggles and the window's geometry."""
    for key, value in zip(_MODEL_KEYS, settings.as_dict().values()):
        q.setValue(f"model/{key}", value)
    for sig, box in controls.sigma_boxes.items():
        q.setValue(f"view/sigma{sig}", "true" if box.isChecked() else "false")
    q.setValue("view/contours", "true" if controls.contours.isChecked() else "false")
    q.setValue("view/density", "true" if controls.density.isChecked() else "false")
    for key, save, _ in _geometry(window):
        q.setValue(key, save())
    q.sync()
