"""Writing outputs (``gmm_explorer.io.atomic``): permissions, links, devices and FIFOs.

Regular files are replaced atomically with the permissions ``open()`` would give; links
are followed; devices and FIFOs are written in place; folders and sockets are refused.
Device tests use private nodes in a temporary folder, never the machine's /dev.
"""

from __future__ import annotations

import os
import socket
import stat
from contextlib import contextmanager

import pytest

from gmm_explorer.errors import InputError
from gmm_explorer.io import atomic
from gmm_explorer.io.atomic import atomic_write, atomic_write_many
from tests.io.streams import device_node, fifo_reader


@contextmanager
def umask(value: int):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def listing(folder) -> list[str]:
    """Every entry under ``folder``, hidden temporary files included."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=oct)
def test_new_files_get_the_mode_open_would_give(tmp_path, mask, expected):
    with umask(mask):
        atomic_write(tmp_path / "one.json", "{}")
        atomic_write_many([(tmp_path / "a.csv", "a"), (tmp_path / "b.bin", b"b")])
        with open(tmp_path / "plain", "w"):
            pass
    assert mode_of(tmp_path / "plain") == expected
    for name in ("one.json", "a.csv", "b.bin"):
        assert mode_of(tmp_path / name) == expected, name
    assert listing(tmp_path) == ["a.csv", "b.bin", "one.json", "plain"]


@pytest.mark.parametrize("existing", [0o600, 0o640, 0o664], ids=oct)
@pytest.mark.parametrize("mask", [0o022, 0o077], ids=oct)
def test_replacing_a_file_keeps_its_mode_and_is_atomic(tmp_path, existing, mask):
    path = tmp_path / "p.json"
    path.write_text("old")
    os.chmod(path, existing)
    before = os.stat(path).st_ino
    with umask(mask):
        atomic_write(path, "new")
    assert path.read_text() == "new"
    assert mode_of(path) == existing
    assert os.stat(path).st_ino != before, "written in place, not replaced"
    assert listing(tmp_path) == ["p.json"]


def test_replacing_drops_set_id_bits(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("old")
    os.chmod(path, 0o6755)
    atomic_write(path, "new")
    assert mode_of(path) == 0o755


def test_the_umask_is_not_touched(tmp_path, monkeypatch):
    def forbidden(mask):  # process-wide and racy: the writer must never call it
        raise AssertionError("os.umask called")

    with umask(0o027):
        monkeypatch.setattr(os, "umask", forbidden)
        atomic_write(tmp_path / "p.json", "x")
        monkeypatch.undo()
    assert mode_of(tmp_path / "p.json") == 0o640


# --------------------------------------------------------------------------- symbolic links


def test_a_link_target_is_replaced_atomically_beside_it(tmp_path, monkeypatch):
    (tmp_path / "links").mkdir()
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "p.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    before = os.stat(target).st_ino
    link = tmp_path / "links" / "p.json"
    link.symlink_to(os.path.join("..", "real", "p.json"))  # relative, as `ln -s` makes

    moves = []
    real_replace = os.replace

    def recording_replace(src, dst):
        moves.append((os.path.dirname(src), dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    with umask(0o022):
        atomic_write(link, "new")
    monkeypatch.undo()
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "real", "p.json")
    assert target.read_text() == "new" and mode_of(target) == 0o640
    assert os.stat(target).st_ino != before
    assert moves == [(str(target.parent.resolve()), str(target.resolve()))]
    assert listing(tmp_path) == ["links", "links/p.json", "real", "real/p.json"]


def test_a_dangling_link_creates_its_target(tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to("made.json")
    with umask(0o022):
        atomic_write(link, "x")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "x"
    assert mode_of(tmp_path / "made.json") == 0o644
    assert listing(tmp_path) == ["made.json", "out.json"]


def test_a_link_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(InputError, match="cannot write") as info:
        atomic_write(tmp_path / "a", "x")
    assert info.value.path == str(tmp_path / "a")
    assert listing(tmp_path) == ["a", "b"]


def test_a_link_to_a_folder_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "l").symlink_to("d")
    with pytest.raises(InputError, match="is a folder"):
        atomic_write(tmp_path / "l", "x")
    assert listing(tmp_path) == ["d", "l"]


# --------------------------------------------------------------------------- streams


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "out.json"
    data = b"0123456789" * 20_000  # more than a pipe holds: the reader must drain it
    with fifo_reader(fifo) as reader:
        atomic_write(fifo, data)
    assert reader.data == data
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert listing(tmp_path) == ["out.json"]


def test_a_link_to_a_fifo_writes_into_the_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    (tmp_path / "out.json").symlink_to("pipe")
    with fifo_reader(fifo) as reader:
        atomic_write(tmp_path / "out.json", "through the link")
    assert reader.data == b"through the link"
    assert (tmp_path / "out.json").is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert listing(tmp_path) == ["out.json", "pipe"]


def test_a_character_device_is_written_in_place(tmp_path):
    node = tmp_path / "null"
    device_node(node, 1, 3)  # a private null device
    atomic_write_many([(node, "discarded"), (tmp_path / "p.json", "kept")])
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert (tmp_path / "p.json").read_text() == "kept"
    assert listing(tmp_path) == ["null", "p.json"]


def test_a_failing_stream_leaves_the_files_untouched(tmp_path):
    node = tmp_path / "full"
    device_node(node, 1, 7)  # a private full device: every write fails with ENOSPC
    (tmp_path / "p.json").write_text("old")
    with pytest.raises(InputError, match="cannot write") as info:
        atomic_write_many([(tmp_path / "p.json", "new"), (tmp_path / "q.json", "new"),
                           (node, "data")])
    assert info.value.path == str(node)
    assert (tmp_path / "p.json").read_text() == "old"
    assert listing(tmp_path) == ["full", "p.json"]


# --------------------------------------------------------------------------- refusals


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="is a folder; give a file name") as info:
        atomic_write(tmp_path, "x")
    assert info.value.path == str(tmp_path)
    assert listing(tmp_path) == []


def test_a_socket_is_refused_before_anything_is_written(tmp_path):
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(sock_path))
        with pytest.raises(InputError, match="is a socket") as info:
            atomic_write_many([(tmp_path / "first.json", "x"), (sock_path, "y")])
    assert str(info.value) == f"{sock_path}: is a socket; give a file name to write"
    assert listing(tmp_path) == ["s.sock"]


def test_a_block_device_is_refused(tmp_path):
    node = tmp_path / "disk"
    try:
        os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(7, 250))  # never opened
    except OSError as exc:
        pytest.skip(f"cannot create a device node here: {exc.strerror or exc}")
    with pytest.raises(InputError, match="is a block device"):
        atomic_write(node, "x")
    assert stat.S_ISBLK(os.lstat(node).st_mode)


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    (tmp_path / "p.json").write_text("old")

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(InputError, match="No space left on device"):
        atomic_write_many([(tmp_path / "p.json", "new"), (tmp_path / "q.json", "new")])
    assert (tmp_path / "p.json").read_text() == "old"
    assert listing(tmp_path) == ["p.json"]


def test_pieces_are_written_in_order_and_never_joined(tmp_path):
    path = tmp_path / "out.bin"
    atomic_write(path, (bytes([i]) * 1000 for i in range(5)))
    assert path.read_bytes() == b"".join(bytes([i]) * 1000 for i in range(5))


def test_pieces_that_raise_leave_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    def pieces():
        yield b"new, half"
        raise KeyError("stopped")

    with pytest.raises(KeyError):
        atomic_write(path, pieces())
    assert path.read_bytes() == b"old" and listing(tmp_path) == ["out.bin"]
