"""Helpers for tests that write to FIFOs and to device nodes, never to the machine's own."""

from __future__ import annotations

import os
import stat
import threading
from contextlib import contextmanager

import pytest


class FifoReader:
    """What a reader thread received from a FIFO (``data``, set when the block ends)."""

    data: bytes | None = None


@contextmanager
def fifo_reader(path):
    """Make a FIFO at ``path`` and read everything written to it in a thread.

    The test holds a read end (so a writer's ``open`` does not wait) and a spare write end
    (so the reader sees end-of-file only after the block, never before a writer came). A
    writer that never opens the FIFO therefore fails the test instead of hanging it.
    """
    os.mkfifo(path)
    rfd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    spare = os.open(path, os.O_WRONLY)
    os.set_blocking(rfd, True)
    chunks: list[bytes] = []

    def read():
        while chunk := os.read(rfd, 65536):
            chunks.append(chunk)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    reader = FifoReader()
    try:
        yield reader
    finally:
        os.close(spare)
        thread.join(timeout=30)
        os.close(rfd)
    assert not thread.is_alive(), "the FIFO reader did not see end-of-file"
    reader.data = b"".join(chunks)


def device_node(path, major: int, minor: int) -> None:
    """A private character device node (e.g. 1, 3: a null device) at ``path``; skips the
    test where this process may not create one."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(major, minor))
        fd = os.open(path, os.O_WRONLY)
    except OSError as exc:
        pytest.skip(f"cannot create and open a device node here: {exc.strerror or exc}")
    os.close(fd)
