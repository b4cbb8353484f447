"""Shared fixtures. Sets the offscreen Qt platform before any QApplication can exist."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "resources" / "data"


@pytest.fixture(autouse=True, scope="session")
def _private_qsettings(tmp_path_factory):
    """Keep the tests' QSettings (window geometry, model settings) out of the user's."""
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("qsettings"))
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
    yield folder


@pytest.fixture(autouse=True)
def _no_blocking_prompts(monkeypatch):
    """Modal questions would block an offscreen test: by default, discard unsaved changes
    and do not restore a recovery file. Tests of those paths override the answers."""
    from gmm_explorer.qt.controllers.files import FilesController

    monkeypatch.setattr(FilesController, "ask_save_changes", lambda self: "discard")
    monkeypatch.setattr(FilesController, "ask_restore", lambda self: False)

    def accept_suggested_columns(self, path, table, initial):
        # As if the user pressed OK on the column picker's preselection.
        from gmm_explorer.io.columns import suggested_columns
        from gmm_explorer.qt.dialogs.column_picker import ColumnChoice

        pair = suggested_columns(table)
        return None if pair is None else ColumnChoice(pair[0], pair[1], None)

    monkeypatch.setattr(FilesController, "ask_columns_for", accept_suggested_columns)


@pytest.fixture(autouse=True, scope="session")
def _test_standard_paths():
    """Recovery files and other per-user files go to Qt's test locations."""
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)


@pytest.fixture(scope="session")
def faithful() -> np.ndarray:
    """Old Faithful, (272, 2): eruptions (min), waiting (min)."""
    return np.loadtxt(DATA / "faithful.csv", delimiter=",", skiprows=1, usecols=(1, 2))


def blobs(n_per=(300, 200, 100), seed=1) -> np.ndarray:
    """Three well-separated, differently shaped Gaussian blobs (seeded)."""
    rng = np.random.default_rng(seed)
    parts = [rng.normal([0, 0], [1, 3], (n_per[0], 2)),
             rng.multivariate_normal([6, 5], [[1, 0.8], [0.8, 1.5]], n_per[1]),
             rng.normal([-4, 7], 0.5, (n_per[2], 2))]
    return np.concatenate(parts)


@pytest.fixture(scope="session")
def synthetic() -> np.ndarray:
    return blobs()
