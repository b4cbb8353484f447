"""One line after each piece of EM work saying what happened, in words a student reads
aloud: "E-step: 12 points changed their most likely component", "M-step: component 2
moved by (+0.81, +9.3), weight 0.31 → 0.36; Δ mean log-likelihood +0.004". Qt-free."""

from __future__ import annotations

import numpy as np

from gmm_explorer.engine import Mixture, StepResult
from gmm_explorer.engine.algorithms import objective_words


def _signed(v: float) -> str:
    return f"{v:+.3g}"


def e_step(changed: int | None, n_points: int) -> str:
    """After an E-step: how many points changed their most likely component (None: the
    points had no responsibilities before)."""
    if changed is None:
        return (f"E-step: each of the {n_points:,} points now has responsibilities; "
                "it takes the colour of its most likely component")
    if changed == 0:
        return "E-step: no point changed its most likely component"
    return (f"E-step: {changed:,} point{'s' if changed != 1 else ''} changed "
            f"{'their' if changed != 1 else 'its'} most likely component")


def biggest_move(before: Mixture, after: Mixture, spread: np.ndarray) -> int:
    """The component whose mean moved most, measured in the data's standard deviations
    (so that the axes' units do not decide)."""
    moves = np.abs((after.means - before.means) / np.where(spread > 0, spread, 1.0))
    return int(np.argmax(moves.max(axis=1)))


def m_step(before: Mixture, after: StepResult, spread: np.ndarray) -> str:
    """After an M-step: the component that moved most, its weight, and the change of the
    mean log-likelihood."""
    m = after.mixture
    if before.n_components != m.n_components:
        return f"M-step: iteration {after.iteration}"
    j = biggest_move(before, m, spread)
    dx, dy = m.means[j] - before.means[j]
    text = (f"M-step: component {j + 1} moved by ({_signed(dx)}, {_signed(dy)}), "
            f"weight {before.weights[j]:.2f} → {m.weights[j]:.2f}")
    if after.change is not None:
        words, sign = objective_words(after.algorithm)
        text += f"; Δ {words} {_signed(sign * after.change)}"  # a change, not a value
    return text


def step(changed: int | None, n_points: int, before: Mixture, after: StepResult,
         spread: np.ndarray) -> str:
    """After a Step (E then M): both halves in one line."""
    e = e_step(changed, n_points).removeprefix("E-step: ")
    return f"Step {after.iteration}: {e}; {m_step(before, after, spread).removeprefix('M-step: ')}"


def run(first: StepResult, last: StepResult, n_steps: int, converged: bool,
        cancelled: bool) -> str:
    """After a run to convergence."""
    how = ("stopped" if cancelled else "converged" if converged
           else "reached the maximum number of iterations")
    return (f"Run: {n_steps} step{'s' if n_steps != 1 else ''}, {how} at iteration "
            f"{last.iteration}; {_objective_path(first, last)}")


def _objective_path(first: StepResult, last: StepResult) -> str:
    """The run's objective from ``first`` to ``last`` (only ``last``'s when the run
    switched algorithm: the two are different quantities)."""
    words, sign = objective_words(last.algorithm)
    if first.algorithm != last.algorithm:
        return f"{words} {sign * last.mean_objective:.5g}"
    return f"{words} {sign * first.mean_objective:.5g} → {sign * last.mean_objective:.5g}"


def viewing(iteration: int, newest: int, branch: str, at_end: bool) -> str:
    """After the view moved (the timeline, ← / →, another branch): what is shown now."""
    if at_end:
        return f"Showing iteration {iteration}, the newest of {branch}"
    return (f"Viewing iteration {iteration} of {newest} on {branch}: Step continues from "
            "here (a new branch)")


def start(kind: str, k: int, init: str | None = None) -> str:
    """After a start: an initialisation, or parameters evaluated as iteration 0."""
    if kind == "initialise":
        return (f"Initialised {k} component{'s' if k != 1 else ''} by {init}: the points "
                "are grey until the first E-step (E or Space)")
    return (f"Start: {k} component{'s' if k != 1 else ''} evaluated on the data "
            "(iteration 0); Space runs EM from here")


def convergence(last: StepResult | None, cancelled: bool) -> str:
    """The status line after Run to convergence: how it ended, at which iteration, and
    the health warnings of the state ``last`` it ended at."""
    warnings = last.warnings() if last is not None else ()
    return (("Stopped" if cancelled else "Converged" if last and last.converged
             else "Reached the maximum number of iterations") + f" at iteration "
            f"{last.iteration if last else 0}"
            + (f" — but {'; '.join(warnings)}" if warnings else ""))


def _spread(state: StepResult, points: np.ndarray) -> np.ndarray:
    """The data's standard deviation per axis: from the E-pass's statistics (no pass over
    the points, which would cost the GUI thread ~10 ms a step at 1e6 points), or from the
    points for a state read from a file without them."""
    cov = state.data_covariance
    if cov is not None:
        var = np.diag(np.asarray(cov, dtype=float))
        if np.all(np.isfinite(var)):
            return np.sqrt(np.maximum(var, 0.0))
    return points.std(axis=0) if points.shape[0] else np.ones(2)


def describe(kind: str, steps: tuple[StepResult, ...], before: StepResult | None,
             changed: int | None, points: np.ndarray, init: str,
             cancelled: bool = False) -> str | None:
    """The line for one piece of EM work of ``kind`` ("initialise", "evaluate", "e",
    "m", "step", "converge") that produced ``steps`` from the state ``before``; None when
    there is nothing to say (colours only, a change by hand)."""
    if not steps:
        return None
    last = steps[-1]
    n = points.shape[0]
    if kind in ("initialise", "evaluate"):
        return start(kind, last.mixture.n_components, init)
    if kind == "e":
        return e_step(changed, n)
    if before is None:
        return None
    if kind == "m":
        return m_step(before.mixture, last, _spread(last, points))
    if kind == "step":
        return step(changed, n, before.mixture, last, _spread(last, points))
    if kind == "converge":
        return run(before, last, len(steps), last.converged, cancelled)
    return None
