"""The session file written piece by piece: the same JSON as one string would be, every
array spread over many base64 pieces, and a write that stops leaving the old file."""

from __future__ import annotations

import base64
import json

import numpy as np

from gmm_explorer.io import session_file
from gmm_explorer.io.session_file import (
    dumps_session,
    loads_session,
    read_session,
    session_pieces,
    write_session,
)
from gmm_explorer.session import Session


def weighted_session(n: int, source: str = "points.csv") -> Session:
    rng = np.random.default_rng(3)
    s = Session()
    s.load(rng.normal(size=(n, 2)), source=source, weights=rng.uniform(0.5, 2.0, n))
    return s


def test_large_arrays_go_out_in_many_pieces_and_read_back_bit_for_bit():
    s = weighted_session(50_001)  # 800,016 bytes of points: five pieces, a short last one
    pieces = list(session_pieces(s.to_record()))
    assert len(pieces) >= 2 + 5 + 3 and max(map(len, pieces)) < 300_000
    doc = json.loads(b"".join(pieces))
    assert base64.b64decode(doc["points"]["base64"]) == s.points.astype("<f8").tobytes()
    assert base64.b64decode(doc["weights"]["base64"]) == s.weights.astype("<f8").tobytes()
    back = loads_session(dumps_session(s.to_record()))
    assert back.points.tobytes() == s.points.tobytes()
    assert back.weights.tobytes() == s.weights.tobytes()


def test_a_name_like_the_stand_in_is_kept_as_written():
    s = weighted_session(10, source='@points-0123456789abcdef@ "quoted" ünï')
    doc = json.loads(dumps_session(s.to_record()))
    assert doc["source"] == s.source
    assert base64.b64decode(doc["points"]["base64"]) == s.points.tobytes()


def test_no_points_no_weights():
    s = Session()
    doc = json.loads(dumps_session(s.to_record()))
    assert doc["points"]["base64"] == "" and doc["weights"] is None
    assert loads_session(dumps_session(s.to_record())).points.shape == (0, 2)


def test_a_cancelled_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "s.gmmx"
    old = weighted_session(5)
    assert write_session(path, old.to_record())
    monkeypatch.setattr(session_file, "_BASE64_CHUNK", 3 * 64)
    asked = []
    new = weighted_session(1000)
    assert not write_session(path, new.to_record(), cancelled=lambda: len(asked) > 3
                             or asked.append(1))
    assert len(asked) == 4  # it stopped between pieces, part-way through the points
    assert read_session(path).points.tobytes() == old.points.tobytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.gmmx"]
    assert write_session(path, new.to_record(), cancelled=lambda: False)
    assert read_session(path).points.tobytes() == new.points.tobytes()
