"""Fixtures shared by the window tests."""

from __future__ import annotations

import pytest

from tests.qt.window_helpers import idle, make_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    return w
