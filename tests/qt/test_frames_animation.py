"""Offscreen frames (``qt.offscreen.frames``) and the GIF of an EM run
(``qt.offscreen.animation``).

Frames are painted on a ``QImage`` only, so they may be drawn in a worker thread: the
first test does exactly that, with a worker ``QObject`` moved to a ``QThread`` and its
result relayed to the GUI thread by a slot of a GUI-thread object (a lambda connected
to the worker's signal would run in the worker thread).
"""

from __future__ import annotations

import threading
from itertools import pairwise

import numpy as np
import pytest
from PIL import Image, ImageSequence
from PySide6.QtCore import QObject, QThread, QtMsgType, Signal, Slot

from gmm_explorer import engine as E
from gmm_explorer.drawing import NEUTRAL, component_color, point_colors, view_ranges
from gmm_explorer.errors import InputError
from gmm_explorer.qt.offscreen.animation import (
    MAX_FRAME_POINTS,
    export_gif,
    frame_points,
    history_frames,
)
from gmm_explorer.qt.offscreen.frames import (
    data_to_pixels,
    plot_area,
    qimage_to_rgb,
    render_frame,
)

N_ITER = 5


@pytest.fixture(scope="module")
def run(faithful) -> list[E.Mixture]:
    """Old Faithful, K = 2 from a deliberately poor start: iteration 0 to N_ITER."""
    start = E.initialise(faithful, 2, "random_from_data", seed=3)
    steps = list(E.iterate(faithful, start, E.EMSettings(tol=0.0, max_iter=N_ITER)))
    assert len(steps) == N_ITER + 1
    return [s.mixture for s in steps]


class FrameWorker(QObject):
    """Renders frames in its own thread; owns no widgets."""

    #: (QImage, thread id): a frame was drawn.
    frame_rendered = Signal(object)

    @Slot(object)
    def render(self, job: dict) -> None:
        self.frame_rendered.emit((render_frame(**job), threading.get_ident()))


class Relay(QObject):
    """GUI-thread side: sends jobs, re-emits results in the GUI thread."""

    #: dict of render_frame arguments, queued to the worker.
    render_requested = Signal(object)
    #: (QImage, worker thread id, relay thread id), in the GUI thread.
    frame_ready = Signal(object)

    @Slot(object)
    def on_rendered(self, payload) -> None:
        self.frame_ready.emit((*payload, threading.get_ident()))


def test_render_frame_in_a_worker_thread(qtbot, qtlog, faithful, run):
    mix = run[-1]
    resp = E.e_step(faithful, mix, want_resp=True).responsibilities
    x_range, y_range = view_ranges(faithful, run)
    job = dict(points=faithful, colors=point_colors(resp, len(faithful)), mixture=mix,
               size=(480, 360), x_range=x_range, y_range=y_range, title="iteration 5",
               subtitle="K = 2 · 272 points")
    thread, worker, relay = QThread(), FrameWorker(), Relay()
    worker.moveToThread(thread)
    relay.render_requested.connect(worker.render)
    worker.frame_rendered.connect(relay.on_rendered)
    thread.finished.connect(worker.deleteLater)
    thread.start()
    try:
        with qtbot.waitSignal(relay.frame_ready, timeout=10_000) as blocker:
            relay.render_requested.emit(job)
    finally:
        thread.quit()
        thread.wait()
    img, worker_tid, relay_tid = blocker.args[0]
    assert worker_tid != threading.get_ident() and relay_tid == threading.get_ident()
    assert (img.width(), img.height()) == (480, 360)
    rgb = qimage_to_rgb(img)
    assert rgb.shape == (360, 480, 3) and rgb.dtype == np.uint8
    assert np.mean(np.all(rgb == 255, axis=2)) < 0.97, "blank frame"
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 20
    # Around each mean: its ring in the darkened component colour, and its points.
    plot = plot_area((480, 360), title=job["title"], subtitle=job["subtitle"])
    centres = data_to_pixels(np.asarray(mix.means), plot, x_range, y_range)
    for j, (cx, cy) in enumerate(np.rint(centres).astype(int)):
        assert np.all(rgb[cy, cx] > 230), "the mean is not a white ring"
        dark = np.array([int(0.72 * v) for v in component_color(j)])
        near = rgb[cy - 10:cy + 11, cx - 10:cx + 11].reshape(-1, 3).astype(int)
        assert np.any(np.abs(near - dark).max(axis=1) < 25), f"no ring of component {j}"
        wide = rgb[cy - 30:cy + 31, cx - 30:cx + 31].reshape(-1, 3).astype(int)
        assert np.any(np.abs(wide - component_color(j)).max(axis=1) < 25)
    bad = [r.message for r in qtlog.records
           if r.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg)]
    assert not bad, bad


def test_view_ranges_cover_points_and_every_mean(faithful, run):
    far = run[0].means.copy()
    far[0] = (20.0, 150.0)
    m = E.Mixture(run[0].weights, far, run[0].covariances, run[0].covariance_type)
    (x0, x1), (_, y1) = view_ranges(faithful, [run[-1], m])
    assert x0 < faithful[:, 0].min() and x1 > 20.0 and y1 > 150.0
    assert np.isclose(x1 - 20.0, 0.05 * (20.0 - faithful[:, 0].min()))
    assert view_ranges(np.zeros((0, 2)), []) == ((0.0, 1.0), (0.0, 1.0))


def test_many_points_are_drawn_as_a_raster(qtbot):
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(60_000, 2))
    img = render_frame(pts, None, None, size=(200, 150), x_range=(-4, 4), y_range=(-4, 4),
                       axes=False)
    rgb = qimage_to_rgb(img)
    plot = plot_area((200, 150), axes=False)
    cx, cy = np.rint(data_to_pixels(np.zeros((1, 2)), plot, (-4, 4), (-4, 4))[0]).astype(int)
    centre = rgb[cy - 3:cy + 4, cx - 3:cx + 4].reshape(-1, 3).astype(int)
    assert np.all(np.abs(centre - NEUTRAL.astype(int)).max(axis=1) < 40)  # dense: grey
    assert np.all(rgb[2, 2] == 255)  # the margin stays white


def grey_fraction(frame: np.ndarray, points, x_range, y_range, title, subtitle) -> float:
    """Share of point centres drawn in a grey (channels within 12 of each other)."""
    h, w = frame.shape[:2]
    plot = plot_area((w, h), title=title, subtitle=subtitle)
    px = np.rint(data_to_pixels(points, plot, x_range, y_range)).astype(int)
    c = frame[px[:, 1], px[:, 0]].astype(int)
    return float(np.mean(c.max(axis=1) - c.min(axis=1) < 12))


def test_history_frames_grey_first_then_coloured(qtbot, faithful, run):
    done = []
    titles = [f"t{t}" for t in range(len(run))]
    frames = list(history_frames(faithful, run, size=(400, 300), titles=titles,
                                 progress=lambda i, n: done.append((i, n))))
    assert len(frames) == len(run) and done[-1] == (len(run), len(run))
    assert all(f.shape == (300, 400, 3) for f in frames)
    x_range, y_range = view_ranges(faithful, run)
    sub = "K = 2 · 272 points"
    assert grey_fraction(frames[0], faithful, x_range, y_range, "t0", sub) > 0.9
    assert grey_fraction(frames[-1], faithful, x_range, y_range, "t5", sub) < 0.2
    for a, b in pairwise(frames):
        assert np.any(a != b)


def test_export_gif_reads_back(qtbot, tmp_path, faithful, run):
    path = tmp_path / "run.gif"
    assert export_gif(path, faithful, run, size=(320, 240), fps=5) == len(run)
    with Image.open(path) as im:
        assert im.size == (320, 240)
        assert im.info["loop"] == 0
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
        durations = [f.info["duration"] for f in ImageSequence.Iterator(im)]
    assert len(frames) == len(run)
    assert durations[:-1] == [200] * (len(run) - 1) and durations[-1] == 1000
    assert all(np.any(a != b) for a, b in pairwise(frames))


def test_cancelled_export_writes_nothing(qtbot, tmp_path, faithful, run):
    done = []
    path = tmp_path / "run.gif"
    n = export_gif(path, faithful, run, size=(160, 120), progress=lambda i, k: done.append(i),
                   cancelled=lambda: len(done) >= 2)
    assert n == 0 and done == [1, 2]
    assert list(tmp_path.iterdir()) == []
    path.write_bytes(b"old")
    assert export_gif(path, faithful, run, size=(160, 120), cancelled=lambda: True) == 0
    assert path.read_bytes() == b"old"


def test_export_errors_come_before_any_frame(qtbot, tmp_path, faithful, run):
    done = []
    with pytest.raises(InputError, match="does not exist"):
        export_gif(tmp_path / "missing" / "run.gif", faithful, run,
                   progress=lambda i, k: done.append(i))
    with pytest.raises(InputError, match="folder"):
        export_gif(tmp_path, faithful, run, progress=lambda i, k: done.append(i))
    with pytest.raises(InputError, match="no iterations"):
        export_gif(tmp_path / "run.gif", faithful, [])
    assert done == []


def test_large_sets_are_subsampled_for_frames():
    pts = np.random.default_rng(1).normal(size=(MAX_FRAME_POINTS + 10, 2))
    a, b = frame_points(pts), frame_points(pts)
    assert a.shape == (MAX_FRAME_POINTS, 2) and np.array_equal(a, b)  # fixed subset
    small = pts[:100]
    assert frame_points(small) is small
