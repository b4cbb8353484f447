"""The committed R mclust references (tests/mclust/, rebuilt by make_reference.py): their
folder, the JSON files and the cases' points and starting z."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1] / "mclust"


def reference(name: str) -> dict:
    """``tests/mclust/<name>.json``."""
    return json.loads((HERE / f"{name}.json").read_text())


def case(name: str, z: str = "z") -> tuple[np.ndarray, np.ndarray]:
    """A case's points and its starting z (``<name>_<z>.csv``: "z", or "znoise" with the
    noise's column last)."""
    X = np.loadtxt(HERE / f"{name}_points.csv", delimiter=",")
    return X, np.loadtxt(HERE / f"{name}_{z}.csv", delimiter=",")
