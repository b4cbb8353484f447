"""Fixtures shared by the window tests."""

from __future__ import annotations

import pytest

from tests.qt.test_window import idle, make_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.load_sample()
    idle(qtbot, w)
    return w
