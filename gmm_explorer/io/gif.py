"""Animated GIF export of a sequence of RGB frames (numpy + Pillow, no Qt).

Qt's image writers write one image per file, so animated GIFs go through Pillow. Each
frame gets its own 256-colour palette (median cut, no dithering): the frames are flat
colours on white, for which a per-frame palette is exact where it matters and dithering
would only add noise. Pillow stores each frame as the rectangle that changed since the
previous one (``optimize``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from gmm_explorer.errors import InputError
from gmm_explorer.io.atomic import atomic_write

__all__ = ["MAX_FPS", "check_writable", "write_gif"]

#: GIF delays are in hundredths of a second, and viewers slow down delays under 2/100 s.
MAX_FPS = 50.0


def check_writable(path) -> None:
    """Raise :class:`InputError` now if ``path`` obviously cannot be written (its folder
    is missing or read-only, or it is a folder), before any frame is rendered.

    The write itself can still fail (disk full); :func:`write_gif` reports that too.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError("cannot write: it is a folder", path=str(path))
    if not folder.is_dir():
        raise InputError(f"cannot write: the folder {str(folder)!r} does not exist",
                         path=str(path))
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write: the folder {str(folder)!r} is read-only",
                         path=str(path))


def write_gif(path, frames: Iterable[np.ndarray], *, fps: float = 8, loop: int | None = 0,
              hold_last: float = 1.0) -> int:
    """Write ``frames`` as an animated GIF, atomically.

    Parameters
    ----------
    path : str or Path
    frames : iterable of ndarray of shape (h, w, 3), uint8
        All of the same size. Consumed once, one frame at a time: only its 8-bit
        palette image is kept, a third of the RGB size.
    fps : float
        Frames per second, in (0, 50]; delays are rounded to 1/100 s.
    loop : int or None
        Times to play the animation again; 0 loops forever, None plays it once.
    hold_last : float
        Seconds the last frame stays on screen before the animation loops (at least one
        frame time). Done through the last frame's delay, not extra frames, so the GIF
        has exactly one frame per input frame.

    Returns
    -------
    int
        Number of frames written. Pillow merges consecutive identical frames into one
        (adding their delays), so a reader may see fewer if some frames repeat.

    Raises
    ------
    InputError
        No frames, frames of different sizes or not (h, w, 3) uint8, bad ``fps``,
        ``loop`` or ``hold_last``, or a path that cannot be written.
    """
    if not 0 < fps <= MAX_FPS:
        raise InputError(f"frames per second must be in (0, {MAX_FPS:g}], got {fps!r}",
                         path=str(path))
    if loop is not None and not (isinstance(loop, (int, np.integer)) and 0 <= loop <= 65535):
        raise InputError(f"loop must be None or an integer in [0, 65535], got {loop!r}",
                         path=str(path))
    if not hold_last >= 0:
        raise InputError(f"hold_last must be >= 0 seconds, got {hold_last!r}", path=str(path))
    check_writable(path)
    images: list[Image.Image] = []
    for i, frame in enumerate(frames):
        a = np.asarray(frame)
        if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
            raise InputError(f"frame {i} must be an (h, w, 3) uint8 array, got shape "
                             f"{a.shape} and dtype {a.dtype}", path=str(path))
        if images and images[0].size != (a.shape[1], a.shape[0]):
            w, h = images[0].size
            raise InputError(f"frame {i} is {a.shape[1]} x {a.shape[0]} pixels but frame 0 "
                             f"is {w} x {h}: all frames must have the same size",
                             path=str(path))
        images.append(Image.fromarray(np.ascontiguousarray(a), "RGB").quantize(
            256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
    if not images:
        raise InputError("no frames to write", path=str(path))
    step_ms = 1000.0 / fps
    durations = [round(step_ms)] * len(images)
    durations[-1] = round(max(step_ms, 1000.0 * hold_last))
    options = {"save_all": True, "append_images": images[1:], "duration": durations,
               "optimize": True}
    if loop is not None:
        options["loop"] = int(loop)
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", **options)
    atomic_write(path, buf.getvalue())
    return len(images)
