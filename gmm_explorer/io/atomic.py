"""Writing output files: regular files atomically, streams in place.

A regular file is written to a temporary file in the same folder, flushed to disk, then
moved over the destination with ``os.replace``. A reader never sees a half-written file,
and a failed write leaves the old file (or no file) in place.

What is at the destination decides how it is written:

- nothing: a new file, with the permissions a plain ``open()`` gives (``0o666 & ~umask``,
  or the folder's default ACL);
- a regular file: replaced atomically, keeping its permission bits, as writing into it with
  ``open()`` would (set-user-ID, set-group-ID and sticky bits are dropped);
- a symbolic link: followed. Its target is replaced atomically (the temporary file is
  created beside the target) and the link stays; a dangling link's target is created;
- a character device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe): written in
  place, never replaced;
- a folder, a socket or a block device: refused.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from gmm_explorer.errors import InputError

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_TEMP_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
               | _BINARY | _CLOEXEC)
_STREAM_FLAGS = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | _BINARY | _CLOEXEC


@dataclass(frozen=True)
class _Destination:
    """Where one output goes.

    ``path`` is what the caller named (used in messages); ``target`` is the file written:
    ``path`` itself, or the file a symbolic link points to. ``mode`` is the permission
    bits to keep, or None for a new file.
    """

    path: str
    target: str
    stream: bool = False
    mode: int | None = None


def _encode(data):
    """Text as UTF-8; bytes as they are; anything else is an iterable of bytes pieces."""
    return data.encode("utf-8") if isinstance(data, str) else data


def _cannot_write(path, exc: OSError) -> InputError:
    return InputError(f"cannot write: {exc.strerror or exc}", path=str(path))


def _destination(path: Path) -> _Destination:
    """Look at what is at ``path`` (following links) and decide how to write it."""
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        # Nothing there, or a dangling link: create what open() would (the link's target).
        target = os.path.realpath(path) if os.path.islink(path) else name
        return _Destination(name, target)
    except OSError as exc:  # a link loop, a folder we may not enter...
        raise _cannot_write(path, exc) from None
    kind = st.st_mode
    if stat.S_ISREG(kind):
        target = os.path.realpath(path) if os.path.islink(path) else name
        return _Destination(name, target, mode=stat.S_IMODE(kind) & 0o777)
    if stat.S_ISCHR(kind) or stat.S_ISFIFO(kind):
        return _Destination(name, name, stream=True)
    if stat.S_ISDIR(kind):
        raise InputError("is a folder; give a file name to write", path=name)
    what = ("a socket" if stat.S_ISSOCK(kind) else "a block device" if stat.S_ISBLK(kind)
            else "not a regular file")
    raise InputError(f"is {what}; give a file name to write", path=name)


def _create_temporary(dest: _Destination) -> tuple[int, str]:
    """Create an empty temporary file beside ``dest.target``; returns (fd, its path)."""
    folder, name = os.path.split(dest.target)
    # Created with 0o666 the kernel applies the umask itself, as open() does: reading it
    # with os.umask() means setting it, which is process-wide and races with other threads.
    mode = 0o666 if dest.mode is None else 0o600  # a kept mode is set once the file is ours
    for _ in range(100):
        tmp = os.path.join(folder or ".", f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, _TEMP_FLAGS, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name beside {dest.target}")


def _write_all(fd: int, data) -> None:
    for piece in (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data:
        view = memoryview(piece)
        while view:
            view = view[os.write(fd, view):]


def _write_temporary(fd: int, dest: _Destination, data) -> None:
    if dest.mode is not None and hasattr(os, "fchmod"):
        os.fchmod(fd, dest.mode)
    _write_all(fd, data)
    os.fsync(fd)


def _write_stream(dest: _Destination, data) -> None:
    # No O_CREAT or O_TRUNC: this must still be the device or FIFO looked at, not a new file.
    # Opening a FIFO blocks until it has a reader, as the shell's `> fifo` does.
    fd = os.open(dest.target, _STREAM_FLAGS)
    try:
        kind = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(kind) or stat.S_ISFIFO(kind)):
            raise InputError("changed while being written; try again", path=dest.path)
        _write_all(fd, data)
    finally:
        os.close(fd)


def atomic_write_many(outputs) -> None:
    """Write several files so that either all are replaced or none is.

    Every destination is looked at first (see the module docstring), then each regular
    file is written to its temporary file and flushed, then streams (devices, FIFOs) are
    written in place, and only then are the regular files moved into place. An error up
    to the last step leaves every regular file as it was. What went into a stream cannot
    be taken back, so a stream may have received its data when a later step fails.

    Parameters
    ----------
    outputs : iterable of (path, str or bytes or iterable of bytes)
        Text is written as UTF-8. An iterable is written piece by piece as it yields
        (never joined in memory); if it raises, nothing is replaced and the error
        propagates.

    Raises
    ------
    InputError
        Naming the file that could not be written (missing folder, permissions, disk full,
        a folder, socket or block device named as the output). All temporary files are
        removed, and no regular file is touched unless an ``os.replace`` fails part-way
        (rare: the temporary files sit in the destinations' folders).
    """
    planned = [(_destination(Path(path)), _encode(data)) for path, data in outputs]
    staged: list[tuple[str, _Destination]] = []
    try:
        for dest, data in planned:
            if dest.stream:
                continue
            try:
                fd, tmp = _create_temporary(dest)
                staged.append((tmp, dest))
                try:
                    _write_temporary(fd, dest, data)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise _cannot_write(dest.path, exc) from None
        for dest, data in planned:
            if dest.stream:
                try:
                    _write_stream(dest, data)
                except OSError as exc:
                    raise _cannot_write(dest.path, exc) from None
        while staged:
            tmp, dest = staged[0]
            try:
                os.replace(tmp, dest.target)
            except OSError as exc:
                raise _cannot_write(dest.path, exc) from None
            staged.pop(0)
    finally:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except OSError:  # pragma: no cover - best effort cleanup
                pass


def atomic_write(path, data) -> None:
    """Write one file atomically (see :func:`atomic_write_many`)."""
    atomic_write_many([(path, data)])
