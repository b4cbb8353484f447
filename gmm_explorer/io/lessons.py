"""Lesson files: a session to open and a short list of steps, each "Do this / Notice
that" (Help › Lessons). A lesson only arranges what the app already does.

Format ``gmm-explorer.lesson`` version 1, UTF-8 JSON::

    {"format": "gmm-explorer.lesson", "version": 1,
     "title": "Two bumps defeat one Gaussian",
     "summary": "One sentence shown under the title.",
     "session": "02-two-bumps.gmmx",
     "steps": [{"do": "Press C to run EM to convergence.",
                "notice": "The log-likelihood under the canvas…",
                "show": "selection"}, ...]}

``session`` is a ``.gmmx`` file next to the lesson file (a relative path, inside the
lesson's folder). Each step has ``do`` and ``notice`` (plain text) and may name a panel
to bring forward when it is shown (``show``: one of :data:`PANELS`, or ``"landscape"`` or
``"compare"`` for those windows). Unknown keys are refused, so a typo is not silently
ignored. The shipped lessons live in ``resources/lessons`` (see its README), and a
teacher can write their own: any lesson file opens through Help › Lessons › Open lesson
file….
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from gmm_explorer.errors import InputError
from gmm_explorer.io.files import read_text_file

FORMAT = "gmm-explorer.lesson"
VERSION = 1
SUFFIX = ".lesson.json"
#: The lesson files' size limit: a lesson is a few kilobytes of text.
MAX_BYTES = 1_000_000
#: The most steps a lesson may have.
MAX_STEPS = 50
#: What a step may bring forward: the docked panels and the two tool windows.
PANELS = ("health", "branches", "selection", "gallery", "inspector", "mstep", "bound",
          "truth", "landscape", "compare")
_KEYS = {"format", "version", "title", "summary", "session", "steps"}
_STEP_KEYS = {"do", "notice", "show"}


@dataclass(frozen=True)
class LessonStep:
    """One step: what to do, what to notice, and a panel to bring forward (or None)."""

    do: str
    notice: str
    show: str | None = None


@dataclass(frozen=True)
class Lesson:
    """A lesson read from ``path``.

    Attributes
    ----------
    title, summary : str
    session : Path
        The session file to open (checked to exist).
    steps : tuple of LessonStep
    path : Path
        The lesson file itself.
    """

    title: str
    summary: str
    session: Path
    steps: tuple[LessonStep, ...]
    path: Path


def _text(value, where: str, path, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: expected some text, got {value!r}", path=str(path))
    return value.strip()


def loads_lesson(text: str, path) -> Lesson:
    """A lesson from the JSON ``text`` of the file ``path`` (relative session paths are
    resolved against its folder).

    Raises
    ------
    InputError
        Naming the file and what is wrong: not JSON, another format or version, missing
        or empty text, an unknown key or panel, no steps, or a session file that is not
        there (or outside the lesson's folder).
    """
    path = Path(path)
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not a lesson file (not JSON: {exc.msg} at line {exc.lineno})",
                         path=str(path)) from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise InputError(f"not a lesson file (expected \"format\": \"{FORMAT}\")",
                         path=str(path))
    if d.get("version") != VERSION:
        raise InputError(f"lesson format version {d.get('version')!r} is not supported "
                         f"(this version reads {VERSION})", path=str(path))
    unknown = sorted(set(d) - _KEYS)
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(map(repr, unknown))}; a lesson has "
                         f"{', '.join(sorted(_KEYS))}", path=str(path))
    title = _text(d.get("title"), "title", path)
    summary = _text(d.get("summary"), "summary", path, required=False)
    name = _text(d.get("session"), "session", path)
    folder = path.resolve().parent
    session = (folder / name).resolve()
    if folder not in session.parents:
        raise InputError(f"session {name!r} must be a file in the lesson's own folder",
                         path=str(path))
    if not session.is_file():
        raise InputError(f"its session file {name!r} is not there", path=str(path))
    steps = d.get("steps")
    if not isinstance(steps, list) or not steps:
        raise InputError("steps: expected a list of at least one step", path=str(path))
    if len(steps) > MAX_STEPS:
        raise InputError(f"steps: at most {MAX_STEPS}, got {len(steps)}", path=str(path))
    out = []
    for i, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            raise InputError(f"step {i}: expected {{\"do\": …, \"notice\": …}}, got {step!r}",
                             path=str(path))
        bad = sorted(set(step) - _STEP_KEYS)
        if bad:
            raise InputError(f"step {i}: unknown key(s) {', '.join(map(repr, bad))}",
                             path=str(path))
        show = step.get("show")
        if show is not None and show not in PANELS:
            raise InputError(f"step {i}: unknown panel {show!r}; one of "
                             f"{', '.join(PANELS)}", path=str(path))
        out.append(LessonStep(_text(step.get("do"), f"step {i}: do", path),
                              _text(step.get("notice"), f"step {i}: notice", path), show))
    return Lesson(title, summary, session, tuple(out), path)


def read_lesson(path) -> Lesson:
    """Read a lesson file; any problem is an :class:`InputError` naming the file."""
    text = read_text_file(path, what="lesson file", max_bytes=MAX_BYTES, encoding="utf-8",
                          not_text="not a lesson file (not UTF-8 text at byte {byte})")
    return loads_lesson(text, path)


def bundled_lessons() -> tuple[Lesson, ...]:
    """The shipped lessons, in their files' order (``01-…``, ``02-…``); a shipped lesson
    that does not read is left out (the tests read every one)."""
    from gmm_explorer.resources import lessons_folder

    folder = lessons_folder()
    out = []
    for p in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            out.append(read_lesson(p))
        except InputError:
            continue
    return tuple(out)
