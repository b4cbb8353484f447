"""Where the command line's outputs go: file modes, links, FIFOs, folders, sockets and ``-``.

FIFOs and sockets are made in a temporary folder; no test writes to the machine's devices.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gmm_explorer.io.params import read_mixture
from tests.cli.test_cli import FAITHFUL, assert_one_line_error, run
from tests.io.streams import fifo_reader

FIT = ("fit", FAITHFUL, "--k", "2", "--seed", "0")


def listing(folder) -> list[str]:
    """Every entry under ``folder``, hidden temporary files included."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def fitted(capsys):
    """(stdout, stderr) of ``fit`` with FIT's options: the parameters, the notes and the
    summary line that every other destination must give too."""
    code, out, err = run(capsys, *FIT)
    assert code == 0 and err.splitlines()[-1].startswith("fit: 272 points, K=2 full")
    return out, err


@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o077, 0o600)], ids=oct)
def test_outputs_get_the_mode_open_would_give(capsys, tmp_path, mask, expected):
    old = os.umask(mask)
    try:
        code, _, _ = run(capsys, *FIT, "--out", tmp_path / "p.json",
                         "--labels-out", tmp_path / "l.csv", "--quiet")
        assert code == 0
        code, _, _ = run(capsys, "sample", tmp_path / "p.json", "--n", "5", "--seed", "1",
                         "--out", tmp_path / "s.csv")
        assert code == 0
    finally:
        os.umask(old)
    for name in ("p.json", "l.csv", "s.csv"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == expected, name


def test_fit_out_fifo_writes_into_it(capsys, tmp_path, fitted):
    fifo = tmp_path / "params.json"
    with fifo_reader(fifo) as reader:
        code, out, err = run(capsys, *FIT, "--out", fifo)
    assert code == 0 and out == "" and err == fitted[1]
    assert reader.data.decode("utf-8") == fitted[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert listing(tmp_path) == ["params.json"]


def test_fit_out_symlink_replaces_its_target(capsys, tmp_path, fitted):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "params.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(os.path.join("real", "params.json"))
    code, out, err = run(capsys, *FIT, "--out", link)
    assert code == 0 and out == "" and err == fitted[1]
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "params.json")
    assert target.read_text() == fitted[0]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert read_mixture(link).mixture.n_components == 2
    assert listing(tmp_path) == ["latest.json", "real", "real/params.json"]


def test_fit_out_folder_is_refused(capsys, tmp_path):
    code, out, err = run(capsys, *FIT, "--out", tmp_path, "--labels-out", tmp_path / "l.csv")
    assert_one_line_error(code, err, str(tmp_path), "is a folder; give a file name")
    assert out == "" and listing(tmp_path) == []


def test_fit_out_socket_is_refused(capsys, tmp_path):
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(sock_path))
        code, out, err = run(capsys, *FIT, "--labels-out", sock_path, "--out",
                             tmp_path / "p.json")
    assert_one_line_error(code, err, str(sock_path), "is a socket; give a file name")
    assert out == "" and listing(tmp_path) == ["s.sock"]


# ------------------------------------------------------------------ "-" is stdout


def test_fit_out_dash_is_stdout(capsys, tmp_path, fitted, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *FIT, "--out", "-")
    assert (code, out, err) == (0, *fitted)
    assert listing(tmp_path) == []


def test_labels_out_dash_is_stdout_when_the_parameters_go_to_a_file(capsys, tmp_path,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, *FIT, "--out", "p.json", "--labels-out", "-", "--quiet")
    assert code == 0
    assert out.splitlines()[0] == "x,y,label,p_1,p_2" and len(out.splitlines()) == 273
    assert listing(tmp_path) == ["p.json"]


@pytest.mark.parametrize("out_option", [[], ["--out", "-"]])
def test_two_outputs_to_stdout_are_refused(capsys, tmp_path, monkeypatch, out_option):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *FIT, *out_option, "--labels-out", "-")
    assert_one_line_error(code, err, "--labels-out -", "already go to stdout")
    assert out == "" and listing(tmp_path) == []


def test_select_out_dash_with_quiet_is_the_best_model_on_stdout(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "select", FAITHFUL, "--k", "1-3", "--seed", "0", "--out", "-",
                       "--quiet")
    assert code == 0 and json.loads(out)["n_components"] == 2
    code, out, err = run(capsys, "select", FAITHFUL, "--k", "1-3", "--out", "-")
    assert_one_line_error(code, err, "--out -", "--quiet")
    assert out == "" and listing(tmp_path) == []


def test_sample_out_dash_is_stdout(capsys, tmp_path, monkeypatch):
    params = tmp_path / "p.json"
    assert run(capsys, *FIT, "--out", params, "--quiet")[0] == 0
    monkeypatch.chdir(tmp_path)
    _, default, _ = run(capsys, "sample", params, "--n", "20", "--seed", "3")
    code, out, _ = run(capsys, "sample", params, "--n", "20", "--seed", "3", "--out", "-")
    assert code == 0 and out == default and len(out.splitlines()) == 21
    assert listing(tmp_path) == ["p.json"]


@pytest.mark.skipif(not os.path.exists("/proc/self/fd/1"), reason="no /proc/self/fd here")
def test_a_link_to_the_processes_stdout_writes_into_the_pipe(tmp_path):
    # As /dev/stdout, but a private link: a regression replaces it, not the machine's.
    # Resolving it gives /proc/<pid>/fd/pipe:[N], which is not a file: it must be opened.
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    exe = Path(sys.executable).with_name("gmm-explorer")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "gmm_explorer"]
    done = subprocess.run(cmd + [*FIT, "--out", str(link), "--quiet"], check=False,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["n_components"] == 2
    assert link.is_symlink() and listing(tmp_path) == ["stdout"]
