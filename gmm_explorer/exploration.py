"""``gmm_explorer.explore``: open the window on data from Python or a notebook.

Two ways to run, chosen by whether a Qt event loop is already running for us:

* **In a script** (no event loop), the call shows the window and blocks until it is
  closed, then returns an :class:`Exploration`: the final mixture, labels and
  responsibilities, the history and the session.
* **In IPython or Jupyter with** ``%gui qt`` (the kernel runs Qt's event loop between
  cells), or from inside a running Qt application, it returns at once with an
  :class:`ExplorationHandle`: the window stays live, ``handle.mixture`` is its current
  mixture and ``handle.result()`` its current state as an :class:`Exploration`.

``block=True`` or ``False`` overrides the choice. The window is the application's own:
everything a user does in it (steps, edits, branches, exports) is reflected in the
handle. This module imports Qt only when :func:`explore` is called.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from gmm_explorer.errors import GMMExplorerError, InputError

__all__ = ["Exploration", "ExplorationHandle", "explore"]

#: IPython's names of a Qt event loop integration (``%gui qt``).
_QT_LOOPS = ("qt", "qt4", "qt5", "qt6")
#: Windows opened by non-blocking calls, kept alive while open even if the handle is
#: dropped (a garbage-collected window would vanish from the screen).
_OPEN: dict = {}


@dataclass(frozen=True)
class Exploration:
    """The state of an exploration: what :func:`explore` returns after the window closes.

    Attributes
    ----------
    mixture : Mixture or None
        The displayed parameters, in the data's units (None if never initialised).
    labels : ndarray of int, shape (n_points,), or None
        Each point's most responsible component.
    responsibilities : ndarray of shape (n_points, n_components), or None
    log_likelihood : float or None
        Of the displayed state, total over the points.
    converged : bool
        Whether the displayed state met the stop rule (False when not run to the end).
    points : ndarray of shape (n_points, 2)
        The data as they were at the end, in the data's units (edits included).
    column_names : (str, str)
    history : tuple of StepResult
        The active branch's states, iteration 0 first.
    session : Session
        The whole Qt-free session (branches, settings, undo); save it with
        :func:`gmm_explorer.io.session_file.write_session`.
    """

    mixture: object
    labels: np.ndarray | None
    responsibilities: np.ndarray | None
    log_likelihood: float | None
    converged: bool
    points: np.ndarray
    column_names: tuple[str, str]
    history: tuple
    session: object

    @classmethod
    def of(cls, session) -> "Exploration":
        """The exploration state of a :class:`~gmm_explorer.session.session.Session`."""
        from gmm_explorer.engine import predict_proba

        points = np.array(session.data_points, dtype=np.float64)
        current = session.current
        mixture = resp = labels = ll = None
        if current is not None:
            mixture = session.in_data_units(current.mixture)
            ll = float(current.log_likelihood)
            if points.shape[0]:
                resp = predict_proba(points, mixture)
                labels = resp.argmax(axis=1)
        return cls(mixture=mixture, labels=labels, responsibilities=resp, log_likelihood=ll,
                   converged=bool(current is not None and current.converged), points=points,
                   column_names=tuple(session.data_column_names),
                   history=tuple(session.history), session=session)

    def __repr__(self) -> str:
        if self.mixture is None:
            return f"Exploration({self.points.shape[0]} points, not initialised)"
        state = "converged" if self.converged else "not converged"
        return (f"Exploration({self.points.shape[0]} points, K={self.mixture.n_components}, "
                f"log-likelihood {self.log_likelihood:.6g}, {state}, "
                f"{len(self.history) - 1} iterations)")


class ExplorationHandle:
    """A live window opened by a non-blocking :func:`explore`.

    Attributes
    ----------
    window : MainWindow
        The window itself (its ``actions`` are the menus' actions).
    """

    def __init__(self, window) -> None:
        self.window = window
        self._session = window.session

    @property
    def closed(self) -> bool:
        """Whether the window has been closed (the state stays readable)."""
        return bool(getattr(self.window, "closed", True))

    @property
    def mixture(self):
        """The displayed mixture in the data's units (None before initialising)."""
        current = self._session.current
        return None if current is None else self._session.in_data_units(current.mixture)

    def result(self) -> Exploration:
        """The current state, as :func:`explore` would return it now."""
        return Exploration.of(self._session)

    def converge(self, timeout: float = 60.0) -> Exploration:
        """Run to convergence, as the *Run to convergence* action (C) does, wait for it
        (processing the window's events) and return the state."""
        self.window.actions["converge"].trigger()
        self.wait(timeout)
        return self.result()

    def wait(self, timeout: float = 60.0) -> None:
        """Process the window's events until EM is idle; raises TimeoutError after
        ``timeout`` seconds."""
        import time

        from PySide6.QtCore import QCoreApplication, QEventLoop

        deadline = time.monotonic() + timeout
        while True:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if self.closed or (not self.window.run.busy and not self.window.run.running):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"EM still busy after {timeout} s")
            time.sleep(0.005)

    def close(self, ask: bool = True) -> None:
        """Close the window: asking about unsaved changes as the window does, or with
        ``ask=False`` dropping them (the state stays readable through :meth:`result`)."""
        if ask:
            self.window.close()
        else:
            self.window.discard_and_close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<ExplorationHandle: window {state}; {self.result()!r}>"


def explore(data, x=None, y=None, labels=None, k: int = 2, covariance: str = "full",
            start=None, block: bool | None = None, title: str | None = None):
    """Open the GMM Explorer window on ``data``.

    Parameters
    ----------
    data : array-like of shape (N, 2), DataFrame, or path
        Points; a pandas or polars DataFrame (or anything with ``to_numpy()`` and named
        columns, or the ``__dataframe__`` interchange protocol, read through pyarrow);
        or a data file in any format the app opens.
    x, y : str, optional
        The DataFrame's (or file's) columns; by default its first two numeric ones.
    labels : str or sequence, optional
        A column holding each point's class (shown as ground truth), or the labels
        themselves, one per point.
    k : int
        Components.
    covariance : str
        ``"full"``, ``"tied"``, ``"diag"``, ``"spherical"`` or one of mclust's model
        names (``"VVV"``, ``"EII"``, ...).
    start : Mixture, path, or fitted scikit-learn model, optional
        The starting parameters (K and the covariance type then follow them): a
        :class:`~gmm_explorer.engine.Mixture`, a parameters file, or a fitted
        ``GaussianMixture`` / ``BayesianGaussianMixture`` (or
        ``gmm_explorer.GaussianMixture``). Without it, the window's start rule
        (k-means by default).
    block : bool, optional
        True: wait until the window closes and return an :class:`Exploration`. False:
        return an :class:`ExplorationHandle` at once (needs a running Qt event loop,
        such as IPython's ``%gui qt``). None (default): False when a Qt event loop is
        running, True otherwise.
    title : str, optional
        The window's title (default: the file's name, or "Python data").

    Raises
    ------
    InputError
        Unusable data, columns, labels or start (before any window opens).
    GMMExplorerError
        No display to open a window on.
    """
    from gmm_explorer.notebook import points_and_names
    from gmm_explorer.session.settings import ModelSettings

    pts, names, point_labels, label_name, source = points_and_names(data, x, y, labels)
    mixture = None if start is None else _start_mixture(start)
    if mixture is not None and mixture.n_components > pts.shape[0]:
        raise InputError(f"the start has {mixture.n_components} components but there are "
                         f"only {pts.shape[0]} points")
    try:  # K and the model checked as the window's controls check them
        chosen = ModelSettings(k=int(k), covariance_type=str(covariance))
    except (TypeError, ValueError) as exc:
        raise InputError(str(exc)) from exc
    if mixture is None and chosen.k > pts.shape[0]:
        raise InputError(f"K = {chosen.k} components but there are only {pts.shape[0]} "
                         "points")

    from gmm_explorer.qt.app import application, display_problem

    problem = display_problem()
    if problem and not _qt_application_exists():
        raise GMMExplorerError(problem)
    app = application()
    if block is None:
        block = not _event_loop_running(app)

    from gmm_explorer.qt.main_window import MainWindow

    window = MainWindow()
    window.show()
    settings = window.session.settings
    window.session.set_settings(replace(settings, k=chosen.k,
                                        covariance_type=chosen.covariance_type)
                                if mixture is None else settings)
    if title is None:
        title = os.path.basename(source) if source else "Python data"
    window.files.install_points(pts, source or "Python", names, point_labels, label_name,
                                title)
    if mixture is not None:
        window.run.start_from(mixture, "the given start")
    handle = ExplorationHandle(window)
    if not block:
        _OPEN[id(window)] = window
        # A partial of the id, not a lambda holding the window: no cycle through Qt.
        window.closing.connect(partial(_OPEN.pop, id(window), None))
        return handle
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    window.closing.connect(loop.quit)
    loop.exec()
    return handle.result()


def _start_mixture(start):
    from gmm_explorer.engine import Mixture

    if isinstance(start, Mixture):
        return start
    if isinstance(start, (str, os.PathLike)):
        from gmm_explorer.io.params import read_mixture

        return read_mixture(start).mixture
    fitted = getattr(start, "mixture_", None)  # gmm_explorer.GaussianMixture
    if isinstance(fitted, Mixture):
        return fitted
    if hasattr(start, "means_") and hasattr(start, "weights_"):
        return Mixture.from_sklearn(start)
    raise InputError("start must be a Mixture, a parameters file or a fitted scikit-learn "
                     f"GaussianMixture, not {type(start).__name__}")


def _qt_application_exists() -> bool:
    import sys

    if "PySide6.QtWidgets" not in sys.modules:
        return False
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() is not None


def _event_loop_running(app) -> bool:
    """Whether something already runs Qt's event loop for us: IPython's ``%gui qt``, or
    a Qt application calling from inside its loop."""
    if app.thread().loopLevel() > 0:
        return True
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "active_eventloop", None) in _QT_LOOPS
