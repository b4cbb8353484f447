"""Model selection: the cells of a sweep, streaming rows, and the command line's defaults."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from gmm_explorer import cli
from gmm_explorer import engine as E
from gmm_explorer.engine.selection import fit_cell, iter_sweep, sweep_cells
from gmm_explorer.errors import InputError
from tests.conftest import DATA

FAITHFUL = str(DATA / "faithful.csv")


def same_rows(a, b):
    assert len(a) == len(b)
    for r, s in zip(a, b):
        assert (r.n_components, r.covariance_type, r.error) == (s.n_components,
                                                              s.covariance_type, s.error)
        assert r.bic == s.bic and r.aic == s.aic   # bit for bit
        assert (r.result is None) == (s.result is None)
        if r.result is not None:
            assert r.result.mixture.equals(s.result.mixture)
            assert r.result.seed == s.result.seed and r.result.n_iter == s.result.n_iter


def test_sweep_cells_order_and_skips(synthetic):
    cells = sweep_cells(synthetic[:3], [1, 2, 5, 3], ["diag", "full"])
    assert cells == ((1, "diag"), (1, "full"), (2, "diag"), (2, "full"), (3, "diag"),
                     (3, "full"))
    assert sweep_cells(synthetic, range(1, 3)) == tuple(
        (k, t) for k in (1, 2) for t in E.COVARIANCE_TYPES)
    with pytest.raises(InputError):
        sweep_cells(synthetic, [2], ["round"])


def test_iter_sweep_streams_the_rows_of_sweep(faithful):
    kw = dict(settings=E.EMSettings(), init="kmeans", n_init=2, seed=11)
    rows = iter_sweep(faithful, range(1, 4), E.COVARIANCE_TYPES, **kw)
    first = next(rows)
    assert (first.n_components, first.covariance_type) == (1, "full")
    streamed = (first,) + tuple(rows)
    assert [(r.n_components, r.covariance_type) for r in streamed] == list(
        sweep_cells(faithful, range(1, 4), E.COVARIANCE_TYPES))
    same_rows(streamed, E.sweep(faithful, range(1, 4), E.COVARIANCE_TYPES, **kw))
    row = fit_cell(faithful, 2, "tied", **kw)
    same_rows((row,), (streamed[5],))


def test_iter_sweep_draws_one_seed_for_every_cell(faithful):
    rows = list(iter_sweep(faithful, [1, 2], ["full", "diag"]))
    assert len({r.result.seed for r in rows}) == 1


def test_iter_sweep_checks_its_arguments_before_any_fit(faithful):
    for kw in (dict(init="nope"), dict(n_init=0)):
        with pytest.raises(InputError):
            iter_sweep(faithful, [1, 2], ["full"], **kw)   # raised by the call itself


def test_failed_cells_are_rows_with_an_error():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]])
    rows = list(iter_sweep(X, [3], ["full"], settings=E.EMSettings(reg_covar=0.0), seed=0))
    assert rows[0].result is None and "reg_covar" in rows[0].error
    assert rows[0].bic == float("inf")


def test_sweep_progress_and_cancel_still_work(faithful):
    seen = []
    rows = E.sweep(faithful, range(1, 4), ["full"], seed=0,
                   progress=lambda i, n: seen.append((i, n)), cancelled=lambda: len(seen) >= 2)
    assert seen == [(1, 3), (2, 3)] and len(rows) == 2
    assert E.sweep(faithful, range(1, 4), ["full"], seed=0, cancelled=lambda: True) == ()


@pytest.mark.parametrize("seed_args", [[], ["--seed", "0"]])
def test_cli_select_defaults_agree_with_iter_sweep(capsys, tmp_path, faithful, seed_args):
    """``gmm-explorer select`` with its defaults (K 1-8, full, mixed initialisations,
    10 restarts and tol 1e-6 as in the window's panel, fresh seed recorded in the output)
    picks the same K as iter_sweep with the same arguments."""
    out = tmp_path / "best.json"
    code = cli.main(["select", FAITHFUL, "--out", str(out), *seed_args])
    text = capsys.readouterr().out
    assert code == 0
    cli_k = int(re.search(r"best by BIC: K=(\d+) full", text).group(1))
    doc = json.loads(out.read_text())
    assert doc["fit"]["init"] == "mixed" and doc["fit"]["n_init"] == 10
    assert doc["fit"]["tol"] == 1e-6
    seed = doc["fit"]["seed"]
    if seed_args:
        assert seed == 0
    rows = list(iter_sweep(faithful, range(1, 9), ["full"], settings=E.EMSettings(tol=1e-6),
                           init="mixed", n_init=10, seed=seed))
    best = E.best_row(rows, "bic")
    assert best.n_components == cli_k == doc["n_components"]
    assert best.bic == doc["fit"]["bic"]
    # Old Faithful, full covariances, by BIC:
    assert cli_k == 2


class _StopAfter:
    """cancelled() that says stop from its n-th call on (counting the calls)."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __call__(self):
        self.calls += 1
        return self.calls >= self.n


def test_a_cancel_stops_a_fit_between_iterations(faithful):
    from gmm_explorer.engine.batch import Cancelled

    stop = _StopAfter(4)
    with pytest.raises(Cancelled):
        E.fit(faithful, 3, settings=E.EMSettings(tol=0.0, max_iter=100), n_init=10, seed=0,
              cancelled=stop)
    assert stop.calls == 4  # three iterations of the first restart, not 10 x 100


def test_a_cancel_inside_a_cell_ends_the_sweep_with_the_rows_so_far(faithful):
    # One cell is 10 restarts of up to 100 iterations: the cancel must not wait for it.
    # On data this small each restart runs in the compiled loop (a few milliseconds),
    # which checks the cancel before it starts.
    from gmm_explorer.engine._kernels import get_num_threads

    checks = _StopAfter(10**9)
    full = E.sweep(faithful, [1, 2], ["full"], n_init=10, seed=0, cancelled=checks)
    per_cell = checks.calls // 2
    stop = _StopAfter(per_cell + 5)  # five restarts into the second cell
    rows = E.sweep(faithful, [1, 2], ["full"], n_init=10, seed=0, cancelled=stop)
    assert [r.n_components for r in rows] == [1] and len(full) == 2
    assert rows[0].bic == full[0].bic
    # No restart starts after the cancel (a run already on another thread may check once).
    assert per_cell + 5 <= stop.calls <= per_cell + 5 + get_num_threads() - 1


def test_a_cancel_inside_a_large_cell_stops_between_iterations(synthetic):
    # Beyond fast_fit.MAX_WORK the restarts run in the ordinary loop, which checks the
    # cancel before every iteration: a long restart on large data never holds it up.
    from gmm_explorer.engine import fast_fit

    X = np.repeat(synthetic, 40, axis=0)  # 24,000 points: 2 x 24,000 > MAX_PAIRS / 10
    k = fast_fit.MAX_PAIRS // X.shape[0] + 1
    assert X.shape[0] * k > fast_fit.MAX_PAIRS
    stop = _StopAfter(4)
    rows = E.sweep(X, [k], ["full"], n_init=10, seed=0, cancelled=stop,
                   settings=E.EMSettings(tol=0.0, max_iter=100))
    assert rows == () and stop.calls == 4


def test_a_cancel_inside_a_restart_ends_the_gallery_run(faithful):
    plan = E.restart_plan(6, seed=0)
    stop = _StopAfter(3)
    assert E.run_restarts(faithful, 3, E.EMSettings(), plan, cancelled=stop) == ()


def test_a_degenerate_fit_is_marked_and_never_best():
    """Two exact duplicates among spread points: a component can collapse onto them with
    an unbounded likelihood; such a cell is marked and another is named best."""
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(size=(60, 2)), [[5.0, 5.0], [5.0, 5.0]]])
    rows = E.sweep(X, range(1, 5), ["full"], n_init=4, seed=0,
                   settings=E.EMSettings(reg_covar=1e-9, tol=1e-6))
    bad = [r for r in rows if r.degenerate]
    assert bad, "expected a collapsed fit on the duplicated points"
    assert all("component" in r.degenerate for r in bad)
    best = E.best_row(rows, "bic")
    assert best is not None and best.degenerate is None
    assert min(r.bic for r in bad) < best.bic  # it would have won on BIC alone


def test_mixed_restarts_take_the_initialisations_in_turn(faithful):
    row = fit_cell(faithful, 3, "full", init="mixed", n_init=4, seed=0)
    assert row.result.init == "mixed" and row.result.n_init == 4
    plan = E.restart_plan(4, seed=0)
    assert [m for _, m in plan] == ["kmeans", "k-means++", "random", "random_from_data"]
    fits = [E.fit(faithful, 3, init=m, seed=s) for s, m in plan]
    # The cell's restarts run in the compiled loop: the same optimum, to rounding.
    assert row.result.final.log_likelihood == pytest.approx(
        max(f.final.log_likelihood for f in fits), rel=1e-12)
