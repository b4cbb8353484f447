"""Lesson files (io/lessons.py): the shipped lessons read, and malformed ones are refused
with a one-line reason naming the file."""

from __future__ import annotations

import json

import pytest

from gmm_explorer.errors import InputError
from gmm_explorer.io.lessons import FORMAT, PANELS, bundled_lessons, read_lesson
from gmm_explorer.io.session_file import read_session


def test_the_seven_shipped_lessons_read_and_their_sessions_open():
    lessons = bundled_lessons()
    assert [lesson.path.name[:2] for lesson in lessons] == [f"0{i}" for i in range(1, 8)]
    for lesson in lessons:
        assert lesson.title and lesson.steps
        assert read_session(lesson.session).points.shape[1] == 2
        for step in lesson.steps:
            assert step.do.strip() and step.notice.strip()
            assert step.show is None or step.show in PANELS


def _write(tmp_path, lesson, name="l.lesson.json", session=True):
    if session:
        src = bundled_lessons()[0].session
        (tmp_path / "s.gmmx").write_bytes(src.read_bytes())
    p = tmp_path / name
    p.write_text(lesson if isinstance(lesson, str) else json.dumps(lesson), encoding="utf-8")
    return p


GOOD = {"format": FORMAT, "version": 1, "title": "T", "summary": "S", "session": "s.gmmx",
        "steps": [{"do": "Press I.", "notice": "It starts.", "show": "bound"}]}


def test_a_teachers_own_lesson_reads(tmp_path):
    lesson = read_lesson(_write(tmp_path, GOOD))
    assert lesson.title == "T" and lesson.steps[0].show == "bound"
    assert lesson.session == (tmp_path / "s.gmmx").resolve()


@pytest.mark.parametrize("change, message", [
    ("{", "not JSON"),
    ("[]", "not a lesson file"),
    ({"format": "gmm-explorer.session"}, "not a lesson file"),
    ({"version": 2}, "version 2"),
    ({"title": ""}, "title"),
    ({"title": 3}, "title"),
    ({"session": "missing.gmmx"}, "not there"),
    ({"session": "../s.gmmx"}, "own folder"),
    ({"steps": []}, "at least one step"),
    ({"steps": "do this"}, "at least one step"),
    ({"steps": ["do this"]}, "step 1"),
    ({"steps": [{"do": "x"}]}, "step 1: notice"),
    ({"steps": [{"do": "x", "notice": "y", "show": "nowhere"}]}, "unknown panel"),
    ({"steps": [{"do": "x", "notice": "y", "colour": "red"}]}, "unknown key"),
    ({"author": "me"}, "unknown key"),
    ({"steps": [{"do": "x", "notice": "y"}] * 51}, "at most 50"),
])
def test_malformed_lessons_are_refused_naming_the_file(tmp_path, change, message):
    if isinstance(change, str):
        text = change
    else:
        text = json.dumps({**GOOD, **change})
    p = _write(tmp_path, text)
    with pytest.raises(InputError, match=message) as info:
        read_lesson(p)
    assert info.value.path == str(p)
    assert "\n" not in str(info.value).strip()


def test_bytes_that_are_not_a_lesson_are_refused(tmp_path):
    p = tmp_path / "bin.lesson.json"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match="not UTF-8"):
        read_lesson(p)
    with pytest.raises(InputError):
        read_lesson(tmp_path / "absent.lesson.json")
