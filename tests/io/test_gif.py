"""Animated GIF export (``gmm_explorer.io.gif``): read back with Pillow."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from PIL import Image, ImageSequence

from gmm_explorer.errors import InputError
from gmm_explorer.io.gif import write_gif


def flat_frames(n: int, size=(64, 48)) -> list[np.ndarray]:
    """White frames, each with a coloured square at a different place."""
    w, h = size
    out = []
    for i in range(n):
        a = np.full((h, w, 3), 255, np.uint8)
        a[10:20, 4 * i:4 * i + 10] = (0, 114, 178) if i % 2 else (230, 159, 0)
        out.append(a)
    return out


def read_gif(path) -> tuple[list[np.ndarray], list[int], dict]:
    with Image.open(path) as im:
        info = dict(im.info)
        frames, durations = [], []
        for f in ImageSequence.Iterator(im):
            durations.append(f.info["duration"])
            frames.append(np.asarray(f.convert("RGB")))
    return frames, durations, info


def test_frames_size_delays_and_loop_read_back(tmp_path):
    path = tmp_path / "run.gif"
    src = flat_frames(5)
    assert write_gif(path, iter(src), fps=10, loop=0, hold_last=1.5) == 5
    frames, durations, info = read_gif(path)
    assert len(frames) == 5  # hold_last is the last frame's delay, not extra frames
    assert all(f.shape == (48, 64, 3) for f in frames)
    assert durations == [100, 100, 100, 100, 1500]
    assert info["loop"] == 0
    for a, b in pairwise(frames):
        assert np.any(a != b)
    # Flat colours survive the palette exactly (no dithering).
    for f, s in zip(frames, src):
        assert np.array_equal(f, s)
    assert not list(tmp_path.glob(".*.tmp")), "temporary file left behind"


def test_play_once_and_short_hold(tmp_path):
    path = tmp_path / "once.gif"
    write_gif(path, flat_frames(3), fps=8, loop=None, hold_last=0.0)
    _, durations, info = read_gif(path)
    assert "loop" not in info
    assert durations[-1] == durations[0] > 0  # held at least one frame time


def test_no_frames(tmp_path):
    with pytest.raises(InputError, match="no frames"):
        write_gif(tmp_path / "empty.gif", [])
    assert not (tmp_path / "empty.gif").exists()


def test_mismatched_sizes(tmp_path):
    frames = flat_frames(2) + flat_frames(1, size=(32, 48))
    with pytest.raises(InputError, match="frame 2 is 32 x 48 pixels but frame 0 is 64 x 48"):
        write_gif(tmp_path / "bad.gif", frames)
    assert not (tmp_path / "bad.gif").exists()


def test_not_rgb_uint8(tmp_path):
    with pytest.raises(InputError, match=r"\(h, w, 3\) uint8"):
        write_gif(tmp_path / "bad.gif", [np.zeros((4, 4, 3))])


@pytest.mark.parametrize("kwargs", [{"fps": 0}, {"fps": 100}, {"loop": -1},
                                    {"hold_last": -1.0}, {"hold_last": float("nan")}])
def test_bad_options(tmp_path, kwargs):
    with pytest.raises(InputError):
        write_gif(tmp_path / "x.gif", flat_frames(2), **kwargs)


def test_missing_folder(tmp_path):
    path = tmp_path / "no such folder" / "run.gif"
    with pytest.raises(InputError, match="does not exist") as info:
        write_gif(path, flat_frames(2))
    assert info.value.path == str(path)


def test_folder_as_path(tmp_path):
    with pytest.raises(InputError, match="folder"):
        write_gif(tmp_path, flat_frames(2))


def test_existing_file_untouched_on_error(tmp_path):
    path = tmp_path / "run.gif"
    path.write_bytes(b"old")
    with pytest.raises(InputError):
        write_gif(path, flat_frames(1) + flat_frames(1, size=(8, 8)))
    assert path.read_bytes() == b"old"
