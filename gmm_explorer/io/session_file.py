"""The session file, ``.gmmx``: format ``gmm-explorer.session`` version 2 (JSON).

::

    {"format": "gmm-explorer.session", "version": 2,
     "source": "faithful.csv" | null, "column_names": ["eruptions", "waiting"],
     "label_name": "Species" | null, "labels": ["setosa", ...] | null,
     "points": {"dtype": "<f8", "shape": [N, 2], "base64": "..."},
     "settings": {"k": 2, "covariance_type": "full", "init": "kmeans", "seed": 0,
                  "reg_covar": 1e-06, "tol": 0.001, "max_iter": 100, "algorithm": "em"},
     "phase": "M" | "E", "position": index of the current step in history (-1 if none),
     "history": [{"iteration": 0, "mixture": {"covariance_type": ..., "weights": [...],
                  "means": [...], "covariances": [...]}, "log_likelihood": ...,
                  "mean_log_likelihood": ..., "n_samples": N, "change": null | ...,
                  "converged": false, "ll_decreased": false, "n_effective": [...],
                  "reg_covar": 1e-06, "objective": null | ..., "algorithm": "em"}, ...],
     "pending_start": null | {mixture},
     "branches": [{"name": "main", "history": null | [step, ...],
                   "notes": {"3": "moved the mean of component 2"}}, ...],
     "active": index of the active branch in "branches",
     "locks": null | {"weight": [false, ...], "mean": [...], "covariance": [...]},
     "units": null | {"centre": [cx, cy], "scale": [sx, sy], "names": ["eruptions", ...]},
     "weights": null | {"dtype": "<f8", "shape": [N], "base64": "..."},
     "weights_name": "count" | null}

"history" is the active branch (and "position" indexes it), so a reader that knows
nothing of branches still opens the session as it was shown. The active branch's entry
in "branches" has "history": null for that reason. "branches", "active" and "locks" are
optional (files written before branches existed have none). "units" (optional) says the
points and parameters are in standardised units: z = (x - centre) / scale per column.
"algorithm" (settings and each state; "em", "cem", "sem", "kmeans" or "vb"),
"weight_prior", "prior", "noise" and "noise_region" (settings), a state's "objective"
(its algorithm's objective, total over the points; null for EM and SEM, whose objective
is the log-likelihood) and a variational
state's "mixture.posterior" (see _posterior_json) are optional: files without them hold EM
runs. "weights" and "weights_name" (optional) are the sample weights, one per point,
stored as the points are; a state's "total_weight" is their sum when it was evaluated
under them.

Points are stored as base64 of little-endian float64, so they read back bit for bit and a
million points take 21 MB rather than 40 MB of decimal text; every other float is written
as its shortest round-trip repr. Nothing is ever unpickled. Qt-free, and independent of
:mod:`gmm_explorer.session` (which converts to and from :class:`SessionRecord`).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import secrets
from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine import Mixture, StepResult
from gmm_explorer.engine.algorithms import check_algorithm
from gmm_explorer.engine.units import Standardisation
from gmm_explorer.engine.validation import as_sample_weights
from gmm_explorer.errors import InputError, ParameterError
from gmm_explorer.io.atomic import atomic_write
from gmm_explorer.io.files import loads_json, read_text_file
from gmm_explorer.io.params import parse_mixture

FORMAT = "gmm-explorer.session"
#: 2: any of the fourteen covariance models (version 1 knew scikit-learn's four), and the
#: optional "units". Version 1 is still read.
VERSION = 2
SUFFIX = ".gmmx"
#: Largest session we read: 1e7 points in base64 is ~214 MB.
MAX_BYTES = 512 * 1024 * 1024
LOCK_KINDS = ("weight", "mean", "covariance")
SETTINGS_KEYS = ("k", "covariance_type", "init", "seed", "reg_covar", "tol", "max_iter")
#: Settings added after version 2 first shipped: absent from older files (defaults apply).
OPTIONAL_SETTINGS = ("algorithm", "weight_prior", "prior", "noise", "noise_region")


@dataclass(frozen=True, eq=False)
class BranchRecord:
    """One branch of history: its name, its states and notes on states made by hand."""

    name: str
    history: tuple[StepResult, ...] = ()
    notes: dict = None

    def __post_init__(self) -> None:
        if self.notes is None:
            object.__setattr__(self, "notes", {})


@dataclass(frozen=True, eq=False)
class SessionRecord:
    """Everything a session file holds (the session's state minus the undo stack)."""

    points: np.ndarray
    settings: dict
    history: tuple[StepResult, ...] = ()
    phase: str = "M"
    pending_start: Mixture | None = None
    source: str | None = None
    column_names: tuple[str, str] = ("x", "y")
    labels: tuple[str, ...] | None = None
    label_name: str | None = None
    #: Index of the displayed step in ``history``; -1 when there is no history.
    position: int = -1
    #: Every branch, the active one included (its history equals ``history``).
    branches: tuple[BranchRecord, ...] = ()
    active: int = 0
    #: Per-component locks as {"weight": [bool]*K, "mean": ..., "covariance": ...}.
    locks: dict | None = None
    #: The standardisation the points are in (None: the data's units).
    units: Standardisation | None = None
    #: Sample weights, one per point (None: unweighted), and their column's name.
    weights: np.ndarray | None = None
    weights_name: str | None = None


def _mixture_json(m: Mixture) -> dict:
    out = {"covariance_type": m.covariance_type,
           "weights": [float(v) for v in m.weights],
           "means": [[float(v) for v in row] for row in m.means],
           "covariances": [[[float(v) for v in r] for r in c] for c in m.covariances]}
    if m.posterior is not None:
        out["posterior"] = _posterior_json(m.posterior)
    if m.has_noise:
        out["noise"] = {"weight": float(m.noise_weight), "density": float(m.noise_density)}
    return out


def _floats(a) -> list:
    return np.asarray(a, dtype=float).tolist()


def _posterior_json(p) -> dict:
    pr = p.prior
    return {"prior": {"weight_prior": pr.weight_prior,
                      "weight_concentration": float(pr.weight_concentration),
                      "mean_precision": float(pr.mean_precision), "mean": _floats(pr.mean),
                      "degrees_of_freedom": float(pr.degrees_of_freedom),
                      "covariance": _floats(pr.covariance)},
            "weight_concentration": _floats(p.weight_concentration),
            "mean_precision": _floats(p.mean_precision),
            "degrees_of_freedom": _floats(p.degrees_of_freedom),
            "entropy": float(p.entropy), "lower_bound": float(p.lower_bound)}


def _read_posterior(obj, k: int, what: str, path):
    """A variational posterior (engine.variational.Posterior) from its JSON object."""
    from gmm_explorer.engine.variational import Posterior, Prior, check_weight_prior

    def arr(value, shape, field, positive=False):
        a = np.asarray(_number_list(value, f"{what}.{field}", path), dtype=float)
        if a.shape != shape:
            raise ParameterError(f"expected shape {list(shape)}, got {list(a.shape)}",
                                 field=f"{what}.{field}", path=path)
        if positive and not np.all(a > 0):
            raise ParameterError("expected numbers > 0", field=f"{what}.{field}", path=path)
        return a

    if not isinstance(obj, dict):
        raise ParameterError("expected an object", field=what, path=path)
    pr = _need(obj, "prior", dict, path, f"{what}.prior")
    try:
        weight_prior = check_weight_prior(pr.get("weight_prior"))
    except InputError as exc:
        raise ParameterError(str(exc), field=f"{what}.prior.weight_prior", path=path) from None
    prior = Prior(weight_prior, float(arr(pr.get("weight_concentration"), (), "prior."
                                          "weight_concentration", True)),
                  float(arr(pr.get("mean_precision"), (), "prior.mean_precision", True)),
                  arr(pr.get("mean"), (2,), "prior.mean"),
                  float(arr(pr.get("degrees_of_freedom"), (), "prior.degrees_of_freedom",
                            True)),
                  arr(pr.get("covariance"), (2, 2), "prior.covariance"))
    wc_shape = (2, k) if weight_prior == "dirichlet_process" else (k,)
    wc = arr(obj.get("weight_concentration"), wc_shape, "weight_concentration", True)
    beta = arr(obj.get("mean_precision"), (k,), "mean_precision", True)
    nu = arr(obj.get("degrees_of_freedom"), (k,), "degrees_of_freedom")
    if not np.all(nu > 1.0):
        raise ParameterError("expected numbers > 1", field=f"{what}.degrees_of_freedom",
                             path=path)
    return Posterior(prior, wc, beta, nu, _number(obj.get("entropy"), f"{what}.entropy", path),
                     _number(obj.get("lower_bound"), f"{what}.lower_bound", path))


def _number_list(value, what: str, path):
    """A number or nested lists of numbers (finite), as floats."""
    if isinstance(value, list):
        return [_number_list(v, what, path) for v in value]
    return _number(value, what, path)


def _finite_or_none(v):
    return None if v is None else float(v)


def _step_json(r: StepResult) -> dict:
    return {"iteration": int(r.iteration), "mixture": _mixture_json(r.mixture),
            "log_likelihood": float(r.log_likelihood),
            "mean_log_likelihood": float(r.mean_log_likelihood),
            "n_samples": int(r.n_samples), "change": _finite_or_none(r.change),
            "converged": bool(r.converged), "ll_decreased": bool(r.ll_decreased),
            "n_effective": [float(v) for v in r.n_effective], "reg_covar": float(r.reg_covar),
            "objective": _finite_or_none(r.objective), "algorithm": r.algorithm,
            "prior": bool(r.prior),
            **({} if r.total_weight is None else {"total_weight": float(r.total_weight)})}


#: Bytes of an array turned into base64 at a time (a multiple of 3: no padding inside),
#: so that no piece of a large session holds Python's lock for long or doubles its memory.
_BASE64_CHUNK = 3 * 2**16


def _base64_pieces(a: np.ndarray):
    raw = a.reshape(-1).view(np.uint8)  # (C-contiguous; a memoryview refuses 0 points)
    for i in range(0, len(raw), _BASE64_CHUNK):
        yield binascii.b2a_base64(raw[i:i + _BASE64_CHUNK], newline=False)


def session_pieces(rec: SessionRecord):
    """The session file's bytes, as a sequence of pieces.

    The points and weights go out as base64 a few hundred kilobytes at a time: a session
    of 10^7 points never becomes one 200 MB string, and a thread writing it lets the
    window's thread run between pieces.
    """
    pts = np.ascontiguousarray(rec.points, dtype="<f8").reshape(-1, 2)
    weights = (None if rec.weights is None
               else np.ascontiguousarray(rec.weights, dtype="<f8").reshape(-1))
    # Stand-ins for the base64 text, spliced in below; the random token keeps them from
    # matching anything a user wrote (a source name, a note).
    token = secrets.token_hex(8)
    arrays = {f"@points-{token}@": pts}
    obj = {
        "format": FORMAT, "version": VERSION,
        "source": rec.source, "column_names": list(rec.column_names),
        "label_name": rec.label_name,
        "labels": None if rec.labels is None else list(rec.labels),
        "points": {"dtype": "<f8", "shape": list(pts.shape), "base64": f"@points-{token}@"},
        "settings": {k: rec.settings[k] for k in SETTINGS_KEYS + OPTIONAL_SETTINGS
                     if k in rec.settings},
        "phase": rec.phase,
        "position": len(rec.history) - 1 if rec.position == -1 else int(rec.position),
        "history": [_step_json(r) for r in rec.history],
        "pending_start": None if rec.pending_start is None else _mixture_json(rec.pending_start),
        "branches": [{"name": b.name,
                      "history": None if i == rec.active else [_step_json(r) for r in b.history],
                      "notes": {str(k): str(v) for k, v in sorted(b.notes.items())}}
                     for i, b in enumerate(rec.branches)],
        "active": int(rec.active),
        "locks": None if rec.locks is None else {k: [bool(v) for v in rec.locks[k]]
                                                 for k in LOCK_KINDS},
        "units": None if rec.units is None else rec.units.as_dict(),
        "weights": None,
        "weights_name": rec.weights_name,
    }
    if weights is not None:
        arrays[f"@weights-{token}@"] = weights
        obj["weights"] = {"dtype": "<f8", "shape": [int(weights.shape[0])],
                          "base64": f"@weights-{token}@"}
    text = json.dumps(obj, allow_nan=False) + "\n"
    at = 0
    for mark in sorted(arrays, key=text.index):
        i = text.index(mark, at)
        yield text[at:i].encode("utf-8")
        yield from _base64_pieces(arrays[mark])
        at = i + len(mark)
    yield text[at:].encode("utf-8")


def dumps_session(rec: SessionRecord) -> str:
    """Serialise a session record to the session file's JSON text."""
    return b"".join(session_pieces(rec)).decode("utf-8")


class _Stopped(Exception):
    """Raised between the pieces of a write that was asked to stop."""


def write_session(path, rec: SessionRecord, cancelled=None) -> bool:
    """Write a session file atomically, piece by piece (:func:`session_pieces`).

    ``cancelled()``, if given, is asked between pieces: when it says yes the write stops,
    the file already at ``path`` (if any) is left as it was, and False is returned.
    """
    pieces = session_pieces(rec)
    if cancelled is not None:
        pieces = _unless(cancelled, pieces)
    try:
        atomic_write(path, pieces)
    except _Stopped:
        return False
    return True


def _unless(cancelled, pieces):
    for piece in pieces:
        if cancelled():
            raise _Stopped
        yield piece


# ------------------------------------------------------------------ reading


def _need(obj: dict, key: str, kinds, path, what: str):
    if key not in obj:
        raise ParameterError("missing", field=what, path=path)
    v = obj[key]
    if isinstance(v, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise ParameterError(f"expected {_kind_name(kinds)}, got {json.dumps(v)}", field=what,
                             path=path)
    if not isinstance(v, kinds):
        raise ParameterError(f"expected {_kind_name(kinds)}, got {json.dumps(v)[:40]}",
                             field=what, path=path)
    return v


def _kind_name(kinds) -> str:
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    names = {int: "a whole number", float: "a number", str: "text", bool: "true or false",
             list: "a list", dict: "an object", type(None): "null"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


def _number(v, what: str, path) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ParameterError(f"expected a finite number, got {json.dumps(v)[:40]}", field=what,
                             path=path)
    return float(v)


def _read_points(obj, path) -> np.ndarray:
    p = _need(obj, "points", dict, path, "points")
    if p.get("dtype") != "<f8":
        raise ParameterError(f"unsupported dtype {json.dumps(p.get('dtype'))[:20]}",
                             field="points.dtype", path=path)
    shape = p.get("shape")
    if (not isinstance(shape, list) or len(shape) != 2 or shape[1] != 2
            or not isinstance(shape[0], int) or isinstance(shape[0], bool) or shape[0] < 0):
        raise ParameterError(f"expected [N, 2], got {json.dumps(shape)[:40]}",
                             field="points.shape", path=path)
    try:
        raw = base64.b64decode(_need(p, "base64", str, path, "points.base64"), validate=True)
    except (binascii.Error, ValueError):
        raise ParameterError("not valid base64", field="points.base64", path=path) from None
    if len(raw) != shape[0] * 16:
        raise ParameterError(f"holds {len(raw)} bytes, but shape {shape} needs {shape[0] * 16}",
                             field="points.base64", path=path)
    pts = np.frombuffer(raw, dtype="<f8").reshape(shape).astype(np.float64)
    if not np.all(np.isfinite(pts)):
        row = int(np.argwhere(~np.isfinite(pts))[0][0])
        raise ParameterError(f"point {row} is not finite", field="points", path=path)
    return pts


def _read_weights(obj, n: int, path) -> tuple[np.ndarray | None, str | None]:
    """The optional sample weights: N finite numbers >= 0, not all zero, and a name."""
    raw_w = obj.get("weights")
    name = obj.get("weights_name")
    if name is not None and not isinstance(name, str):
        raise ParameterError("expected text or null", field="weights_name", path=path)
    if raw_w is None:
        return None, None
    if not isinstance(raw_w, dict) or raw_w.get("dtype") != "<f8" or raw_w.get("shape") != [n]:
        raise ParameterError(f'expected null or {{"dtype": "<f8", "shape": [{n}], ...}}',
                             field="weights", path=path)
    try:
        raw = base64.b64decode(_need(raw_w, "base64", str, path, "weights.base64"),
                               validate=True)
    except (binascii.Error, ValueError):
        raise ParameterError("not valid base64", field="weights.base64", path=path) from None
    if len(raw) != n * 8:
        raise ParameterError(f"holds {len(raw)} bytes, but {n} weights need {n * 8}",
                             field="weights.base64", path=path)
    w = np.frombuffer(raw, dtype="<f8").astype(np.float64)
    try:
        w = as_sample_weights(w, n)
    except InputError as exc:
        raise ParameterError(str(exc), field="weights", path=path) from None
    return w, name


def _read_mixture(obj, what: str, path) -> Mixture:
    if not isinstance(obj, dict):
        raise ParameterError("expected an object", field=what, path=path)
    try:
        m = parse_mixture(obj, path).mixture
    except ParameterError as exc:
        raise ParameterError(exc.reason.split(": ", 1)[-1] if exc.field else exc.reason,
                             field=f"{what}.{exc.field}" if exc.field else what,
                             path=path) from None
    if obj.get("posterior") is None:
        return m
    post = _read_posterior(obj["posterior"], m.n_components, f"{what}.posterior", path)
    return Mixture(m.weights, m.means, m.covariances, m.covariance_type, posterior=post,
                   noise_weight=m.noise_weight, noise_density=m.noise_density)


def _read_step(obj, i: int, n: int, path, what: str | None = None) -> StepResult:
    what = what or f"history[{i}]"
    if not isinstance(obj, dict):
        raise ParameterError("expected an object", field=what, path=path)
    mix = _read_mixture(obj.get("mixture"), f"{what}.mixture", path)
    it = _need(obj, "iteration", int, path, f"{what}.iteration")
    n_eff = _need(obj, "n_effective", list, path, f"{what}.n_effective")
    if len(n_eff) != mix.n_components:
        raise ParameterError(f"expected {mix.n_components} numbers", field=f"{what}.n_effective",
                             path=path)
    n_eff = np.array([_number(v, f"{what}.n_effective", path) for v in n_eff])
    n_eff.setflags(write=False)
    change = obj.get("change")
    samples = _need(obj, "n_samples", int, path, f"{what}.n_samples")
    if samples != n:
        raise ParameterError(f"says {samples} points but the session holds {n}",
                             field=f"{what}.n_samples", path=path)
    return StepResult(
        it, mix, _number(obj.get("log_likelihood"), f"{what}.log_likelihood", path),
        _number(obj.get("mean_log_likelihood"), f"{what}.mean_log_likelihood", path), samples,
        None if change is None else _number(change, f"{what}.change", path),
        bool(_need(obj, "converged", bool, path, f"{what}.converged")),
        bool(_need(obj, "ll_decreased", bool, path, f"{what}.ll_decreased")), n_eff,
        _number(obj.get("reg_covar"), f"{what}.reg_covar", path), None,
        None if obj.get("objective") is None
        else _number(obj["objective"], f"{what}.objective", path),
        _read_algorithm(obj.get("algorithm", "em"), f"{what}.algorithm", path),
        bool(_need(obj, "prior", bool, path, f"{what}.prior")) if "prior" in obj else False,
        None if obj.get("total_weight") is None
        else _number(obj["total_weight"], f"{what}.total_weight", path))


def _read_algorithm(raw, what: str, path) -> str:
    try:
        return check_algorithm(raw)
    except InputError as exc:
        raise ParameterError(str(exc), field=what, path=path) from None


def loads_session(text: str, path: str | None = None) -> SessionRecord:
    """Parse session JSON, validating every field.

    Raises
    ------
    InputError
        Bad JSON (with its line), a future version, or a :class:`ParameterError` naming the
        field that is wrong.
    """
    obj = loads_json(text, path, what="session file", error_prefix="not a valid session file")
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise InputError("not a GMM Explorer session (format is not "
                         f"{FORMAT!r})", path=path)
    version = obj.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ParameterError(f"unknown version {json.dumps(version)[:20]}", field="version",
                             path=path)
    if version > VERSION:
        raise ParameterError(f"version {version} was written by a newer GMM Explorer; this one "
                             f"reads version {VERSION}. Upgrade GMM Explorer.", field="version",
                             path=path)
    pts = _read_points(obj, path)
    n = pts.shape[0]
    names = obj.get("column_names", ["x", "y"])
    if not (isinstance(names, list) and len(names) == 2 and all(isinstance(x, str) for x in names)):
        raise ParameterError("expected two names", field="column_names", path=path)
    labels = obj.get("labels")
    if labels is not None:
        if not (isinstance(labels, list) and len(labels) == n
                and all(isinstance(x, str) for x in labels)):
            raise ParameterError(f"expected {n} text labels or null", field="labels", path=path)
        labels = tuple(labels)
    label_name = obj.get("label_name")
    if label_name is not None and not isinstance(label_name, str):
        raise ParameterError("expected text or null", field="label_name", path=path)
    source = obj.get("source")
    if source is not None and not isinstance(source, str):
        raise ParameterError("expected text or null", field="source", path=path)
    settings = _need(obj, "settings", dict, path, "settings")
    for key in SETTINGS_KEYS:
        if key not in settings:
            raise ParameterError("missing", field=f"settings.{key}", path=path)
    phase = obj.get("phase", "M")
    if phase not in ("M", "E"):
        raise ParameterError(f"expected \"M\" or \"E\", got {json.dumps(phase)[:20]}",
                             field="phase", path=path)
    hist = _need(obj, "history", list, path, "history")
    history = tuple(_read_step(h, i, n, path) for i, h in enumerate(hist))
    pending = obj.get("pending_start")
    pending = None if pending is None else _read_mixture(pending, "pending_start", path)
    position = obj.get("position", len(history) - 1)
    if (isinstance(position, bool) or not isinstance(position, int)
            or not -1 <= position < len(history) or (position == -1 and history)):
        raise ParameterError(f"expected a step index from 0 to {len(history) - 1}, got "
                             f"{json.dumps(position)[:20]}", field="position", path=path)
    branches, active = _read_branches(obj, history, n, path)
    locks = _read_locks(obj.get("locks"), history, path)
    units = _read_units(obj.get("units"), path)
    weights, weights_name = _read_weights(obj, n, path)
    pts.setflags(write=False)
    kept = {k: settings[k] for k in SETTINGS_KEYS + OPTIONAL_SETTINGS if k in settings}
    return SessionRecord(pts, kept, history, phase, pending,
                         source, (names[0], names[1]), labels, label_name, position, branches,
                         active, locks, units, weights, weights_name)


def _read_branches(obj, history, n: int, path):
    raw = obj.get("branches")
    if raw is None:
        return (), 0
    if not isinstance(raw, list) or not raw:
        raise ParameterError("expected a non-empty list", field="branches", path=path)
    active = obj.get("active", 0)
    if isinstance(active, bool) or not isinstance(active, int) or not 0 <= active < len(raw):
        raise ParameterError(f"expected a branch index from 0 to {len(raw) - 1}, got "
                             f"{json.dumps(active)[:20]}", field="active", path=path)
    out = []
    for i, b in enumerate(raw):
        what = f"branches[{i}]"
        if not isinstance(b, dict):
            raise ParameterError("expected an object", field=what, path=path)
        name = _need(b, "name", str, path, f"{what}.name").strip()
        if not name:
            raise ParameterError("expected a non-empty name", field=f"{what}.name", path=path)
        steps = b.get("history")
        if i == active:
            if steps is not None:
                raise ParameterError("the active branch's history is the top-level history; "
                                     "expected null", field=f"{what}.history", path=path)
            steps = history
        else:
            if not isinstance(steps, list) or not steps:
                raise ParameterError("expected a non-empty list of steps",
                                     field=f"{what}.history", path=path)
            steps = tuple(_read_step(h, j, n, path, f"{what}.history[{j}]")
                          for j, h in enumerate(steps))
        notes_raw = b.get("notes", {})
        if not isinstance(notes_raw, dict):
            raise ParameterError("expected an object", field=f"{what}.notes", path=path)
        notes = {}
        for key, text in notes_raw.items():
            if not (key.isdigit() and int(key) < len(steps) and isinstance(text, str)):
                raise ParameterError(f"expected step index -> text, got {json.dumps(key)[:20]}",
                                     field=f"{what}.notes", path=path)
            notes[int(key)] = text
        out.append(BranchRecord(name, tuple(steps), notes))
    return tuple(out), active


def _read_units(raw, path):
    if raw is None:
        return None
    try:
        return Standardisation.from_dict(raw)
    except (TypeError, ValueError, KeyError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else "expected centre, scale and names"
        raise ParameterError(detail, field="units", path=path) from None


def _read_locks(raw, history, path):
    if raw is None:
        return None
    if not isinstance(raw, dict) or not history:
        raise ParameterError("expected an object (and a history)", field="locks", path=path)
    k = len(raw.get("weight")) if isinstance(raw.get("weight"), list) else -1
    out = {}
    for kind in LOCK_KINDS:
        v = raw.get(kind)
        if not (isinstance(v, list) and len(v) == k and all(isinstance(x, bool) for x in v)):
            raise ParameterError(f"expected {k} true/false values", field=f"locks.{kind}",
                                 path=path)
        out[kind] = tuple(v)
    return out


def read_session(path) -> SessionRecord:
    """Read a ``.gmmx`` file; any problem is an :class:`InputError` naming the file."""
    text = read_text_file(path, what="session file", max_bytes=MAX_BYTES, encoding="utf-8",
                          not_text="not a session file (not UTF-8 text at byte {byte})")
    return loads_session(text, str(path))


def is_session_path(path) -> bool:
    return str(path).lower().endswith(SUFFIX)
