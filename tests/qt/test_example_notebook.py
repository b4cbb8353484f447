"""The shipped example notebook runs headless, top to bottom, in a real Jupyter kernel
(nbclient, offscreen Qt): explore() on a DataFrame with a live handle, to_sklearn /
from_sklearn, and render()."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "resources" / "examples" / "explore.ipynb"


@pytest.mark.slow
def test_example_notebook_runs_and_shows_what_it_says(tmp_path, monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("QT_API", "pyside6")  # IPython's %gui qt binding
    # The kernel's own settings and recovery file stay in the test's folder.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    outputs = [cell.outputs for cell in code]
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source

    def text(i):
        return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                       for o in outputs[i])

    assert "eruptions" in text(0)                       # the DataFrame
    assert "ExplorationHandle: window open" in text(1)  # explore() returned a live handle
    assert "converged" in text(2) and "not converged" not in text(2)
    assert "text/html" in outputs[2][-1]["data"]        # the Mixture's table
    assert "largest difference in responsibilities" in text(4)
    gap = float(text(4).split(": ")[1].split()[0])
    assert gap <= 1e-12
    png = base64.b64decode(outputs[5][0]["data"]["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert text(6).strip().endswith("True")             # the window closed
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"
