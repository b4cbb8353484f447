"""Expectation-maximisation: the E-step, one iteration, and the one EM loop.

* :func:`e_step` — responsibilities (on request), sufficient statistics and the
  log-likelihood of the *current* parameters.
* :func:`em_step` — E-step then M-step (:func:`~gmm_explorer.engine.mstep.m_step`), i.e.
  one EM iteration.
* :func:`half_steps` — the one EM loop: a generator of :class:`HalfStep`, the units the
  window shows (a state, then its responsibilities, then the next state, ...). Stepping,
  running to convergence and fitting all consume it, so the stop rule
  (:func:`run_finished`) is written and tested once.
* :func:`iterate` — its states only: a generator of :class:`StepResult`, which serves
  "fit".

The maths follow scikit-learn's ``GaussianMixture`` exactly (``reg_covar`` added to the
diagonal, component mass floored at ``10 * eps``, weights ``nk / sum(nk)``, convergence on
the change in mean per-sample log-likelihood), so that from the same start the
parameters agree with scikit-learn to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np

from gmm_explorer.engine import _kernels, algorithms, noise, variational
from gmm_explorer.engine.locks import Locks
from gmm_explorer.engine.mixture import Mixture, project_covariance_type
from gmm_explorer.engine.mstep import m_step
from gmm_explorer.engine.steps import (UNCERTAINTY_CODES, EMSettings, EStep, PointSummary,
                                      StepResult, run_kind, step_result)
from gmm_explorer.engine.validation import as_points, as_sample_weights, check_enough_points
from gmm_explorer.errors import FitError, InputError


def _pass_inputs(mixture: Mixture):
    const = (np.log(mixture.weights) + mixture.log_det_precision_chol - _kernels.LOG_2PI)
    return (np.ascontiguousarray(mixture.means), np.ascontiguousarray(mixture.precision_chol),
            np.ascontiguousarray(const))


def e_step(X, mixture: Mixture, *, want_resp: bool = False, out: np.ndarray | None = None,
           backend: str | None = None, assignment: str = "soft",
           draws: np.ndarray | None = None, weights=None, summary_table=None,
           summary_uncertainty: bool = True,
           _checked: bool = False) -> EStep:
    """Expectation step: evaluate the current parameters on the data.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    mixture : Mixture
    want_resp : bool
        Also return the responsibilities (implied by ``out``).
    out : ndarray of shape (n_samples, n_components), optional
        Buffer to write responsibilities into (reused across steps to avoid allocation).
    backend : {None, "numba", "numpy"}
        None picks numba when available.
    assignment : {"soft", "hard", "sample"}
        How points share themselves among the components for the statistics: EM's
        responsibilities, each point wholly to its most probable component (CEM, k-means;
        ``objective`` is then the classification log-likelihood), or to a component drawn
        from its responsibilities with ``draws`` (SEM). See
        :mod:`~gmm_explorer.engine.algorithms`.
    draws : ndarray of shape (n_samples,), optional
        Uniform numbers in [0, 1) for ``"sample"``.
    weights : array-like of shape (n_samples,), optional
        Sample weights (frequencies, see
        :func:`~gmm_explorer.engine.validation.as_sample_weights`): the statistics, the
        log-likelihood and the objective count point i ``w_i`` times; the
        responsibilities are not weighted. ``EStep.sample_size`` is then ``sum w``.
    summary_table : array-like of shape (n_components + 1, 3), optional
        Also summarise each point's responsibilities inside the pass
        (``EStep.summary``, a :class:`~gmm_explorer.engine.steps.PointSummary`), blending
        the rows of this table (the last row the noise component's). Costs 5 bytes a
        point, where responsibilities cost 8 K.
    summary_uncertainty : bool
        Include the uncertainty in the summary (1 of its 5 bytes a point).

    Returns
    -------
    EStep

    Raises
    ------
    FitError
        If some point has zero density under every component (it lies absurdly far from
        every mean relative to the covariances).
    """
    X = X if _checked else as_points(X)
    n, k = X.shape[0], mixture.n_components
    w = weights if _checked else as_sample_weights(weights, n)
    resp = None
    if out is not None:
        if out.shape != (n, k) or out.dtype != np.float64 or not out.flags.c_contiguous:
            raise ValueError(f"out must be a C-contiguous float64 array of shape {(n, k)}")
        resp = out
    elif want_resp:
        resp = np.empty((n, k))
    means, prec, const = _pass_inputs(mixture)
    objective = None
    table = _summary_table(summary_table, k)
    summary = None if table is None else PointSummary.empty(n, k, summary_uncertainty)
    if assignment == "soft":
        stats, ll, n_lost = _kernels.run_pass(
            X, means, prec, const, resp, backend, mixture.noise_log_term, w,
            None if summary is None else summary.outputs(table))
    elif assignment in ("hard", "sample"):
        if mixture.has_noise:
            raise InputError("the noise component goes with EM's soft responsibilities; "
                             "choose EM, or drop the noise component")
        u = None
        if assignment == "sample":
            if draws is None or np.shape(draws) != (n,):
                raise ValueError(f"sampled assignments need {n} uniform draws")
            u = np.ascontiguousarray(draws, dtype=np.float64)
        labels = (np.empty(n, dtype=np.int64) if resp is not None or summary is not None
                  else None)
        stats, ll, objective, n_lost = _kernels.run_assign_pass(X, means, prec, const, u,
                                                               labels, backend, w)
        if resp is not None:
            resp[:] = 0.0
            kept = labels >= 0
            resp[np.flatnonzero(kept), labels[kept]] = 1.0
        if summary is not None:
            _summarise_labels(labels, table, summary)
    else:
        raise ValueError(f"unknown assignment {assignment!r}")
    if n_lost:
        raise FitError(
            f"{n_lost} point(s) have zero density under every component: they lie too far from "
            "every component for double precision. Rescale the data (e.g. standardise it), "
            "increase reg_covar, or initialise the components nearer the data.")
    view = None
    if resp is not None:
        view = resp.view()
        view.setflags(write=False)
    default_algorithm = {"soft": "em", "hard": "cem", "sample": "sem"}[assignment]
    return EStep(mixture, float(ll), n, stats, view, objective, assignment, default_algorithm,
                 total_weight=None if w is None else float(np.sum(w)), summary=summary)


def _summary_table(table, k: int) -> np.ndarray | None:
    if table is None:
        return None
    t = np.asarray(table, dtype=np.float64)
    if t.shape != (k + 1, 3) or not np.all(np.isfinite(t)):
        raise ValueError(f"summary_table must be finite, of shape {(k + 1, 3)}")
    return np.ascontiguousarray(t)


def _summarise_labels(labels: np.ndarray, table: np.ndarray, summary: PointSummary) -> None:
    """The summary of one-hot responsibilities (the hard passes): each point's own
    component, no uncertainty, that component's row (a point lost to every component,
    label -1 in the pass, has no responsibility: label 0, uncertainty 1, blend 0, as
    the soft pass gives it)."""
    kept = labels >= 0
    summary.labels[:] = np.where(kept, labels, 0)
    if summary.uncertainty is not None:
        summary.uncertainty[:] = np.where(kept, 0, UNCERTAINTY_CODES)
    rows = np.minimum(255.0, np.maximum(0.0, table + 0.5)).astype(np.uint8)
    summary.blend[:] = np.where(kept[:, None], rows[np.maximum(labels, 0)], 0)


def algorithm_pass(X, mixture: Mixture, settings: EMSettings, iteration: int, *,
                   want_resp: bool = False, backend: str | None = None, weights=None,
                   summary_table=None, summary_uncertainty: bool = True,
                   _checked: bool = False) -> EStep:
    """The E-pass of ``settings.algorithm`` for the state at ``iteration``: EM's soft
    pass, or the hard or sampled one of CEM, k-means and SEM, with that algorithm's
    objective (see :mod:`~gmm_explorer.engine.algorithms`), under sample ``weights``
    (as :func:`e_step`, with its ``summary_table`` and ``summary_uncertainty``)."""
    if not _checked:
        X = as_points(X)
        weights = as_sample_weights(weights, X.shape[0])
    if settings.algorithm == algorithms.VB:
        return _vb_pass(X, mixture, want_resp=want_resp, backend=backend, weights=weights,
                        summary_table=summary_table, summary_uncertainty=summary_uncertainty)
    kind = algorithms.ASSIGNMENT[settings.algorithm]
    n = np.shape(X)[0]
    u = algorithms.draws(settings.seed, iteration, n) if kind == "sample" else None
    e = e_step(X, mixture, want_resp=want_resp, backend=backend, assignment=kind, draws=u,
               weights=weights, summary_table=summary_table,
               summary_uncertainty=summary_uncertainty, _checked=True)
    if settings.algorithm == "kmeans":
        e = replace(e, objective=algorithms.kmeans_objective(e.stats), algorithm="kmeans")
    elif settings.algorithm == "sem":
        e = replace(e, objective=None)  # SEM's objective is the log-likelihood
    return e


def _vb_pass(X, mixture: Mixture, *, want_resp: bool, backend: str | None,
             weights, summary_table=None, summary_uncertainty: bool = True) -> EStep:
    """Variational Bayes' E-pass: the fused pass with the posterior's expected
    log-weights and log-precisions as constants; then the log-likelihood of the
    parameters shown (the posterior's summary) in a second pass without
    responsibilities. ``X`` and ``weights`` are checked already."""
    n, k = X.shape[0], mixture.n_components
    resp = np.empty((n, k)) if want_resp else None
    means, prec, _ = _pass_inputs(mixture)
    const = variational.pass_constants(mixture)
    table = _summary_table(summary_table, k)
    summary = None if table is None else PointSummary.empty(n, k, summary_uncertainty)
    stats, log_norm, n_lost = _kernels.run_pass(
        X, means, prec, const, resp, backend, weights=weights,
        summary_out=None if summary is None else summary.outputs(table))
    if n_lost:
        raise FitError(f"{n_lost} point(s) have zero density under every component; rescale "
                       "the data (e.g. standardise it) or initialise nearer the data.")
    entropy = variational.entropy_from_pass(const, mixture, stats, log_norm)
    plain = e_step(X, mixture, backend=backend, weights=weights, _checked=True)
    view = None
    if resp is not None:
        view = resp.view()
        view.setflags(write=False)
    return EStep(mixture, plain.log_likelihood, n, stats, view,
                 mixture.posterior.lower_bound, "soft", algorithms.VB, entropy,
                 plain.total_weight, summary)


def vb_start(X, mixture: Mixture, settings: EMSettings, *, backend: str | None = None,
             resp: np.ndarray | None = None, weights=None) -> Mixture:
    """A variational Bayes state to start from: the VB M-step on the responsibilities of
    ``mixture`` (its plain E-pass), or on ``resp`` when given (scikit-learn's
    ``_initialize`` from the initial responsibilities). The priors are scikit-learn's
    defaults for these data (under sample ``weights``, as :func:`e_step`)."""
    from gmm_explorer.engine.mstep import statistics_from_responsibilities, weighted_sums

    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    variational.check_model(settings.covariance_type)
    if resp is None:
        e = e_step(X, mixture, backend=backend, weights=w, _checked=True)
        const = _pass_inputs(mixture)[2]
        entropy = variational.entropy_from_pass(const, mixture, e.stats, e.log_likelihood)
        stats, centres = e.stats, np.asarray(mixture.means)
    else:
        resp = np.asarray(resp, dtype=np.float64)
        wr = resp if w is None else resp * w[:, None]
        s0 = wr.sum(axis=0)
        centres = weighted_sums(X, wr) / np.where(s0 > 0, s0, 1.0)[:, None]
        stats = statistics_from_responsibilities(X, wr, centres)
        with np.errstate(divide="ignore", invalid="ignore"):
            entropy = -float(np.sum(np.where(resp > 0, wr * np.log(resp), 0.0)))
    n = X.shape[0] if w is None else float(np.sum(w))
    prior = variational.Prior.from_statistics(stats, centres, n, settings.weight_prior,
                                              settings.weight_concentration)
    return variational.m_step(stats, centres, settings.covariance_type, settings.reg_covar,
                              prior, entropy)


def _vb_state_fits(mixture: Mixture, settings: EMSettings) -> bool:
    """Whether ``mixture`` is a VB state of a run with ``settings``' priors."""
    post = mixture.posterior
    if post is None or mixture.covariance_type != settings.covariance_type:
        return False
    g = settings.weight_concentration
    g = 1.0 / mixture.n_components if g is None else g
    return post.prior.weight_prior == settings.weight_prior and \
        post.prior.weight_concentration == g


def run_prior(e: EStep, settings: EMSettings, moments=None):
    """The conjugate prior of a run with ``settings.prior`` (mclust's defaults for these
    data, K and model), from any pass over the data (``e``); None without a prior. With a
    noise component the pass's statistics are only the Gaussians' shares, so the data's
    ``moments`` (mean, covariance divided by N) must be given, taken from the points."""
    if not settings.prior:
        return None
    from gmm_explorer.engine.priors import default_prior
    from gmm_explorer.engine.steps import data_moments

    n = e.sample_size
    if e.mixture.has_noise:
        if moments is None:
            raise ValueError("a prior beside a noise component needs the data's moments")
        mean, cov = moments
    else:
        mean, cov = data_moments(e.stats, np.asarray(e.mixture.means), n)
    return default_prior(mean, cov * (n / (n - 1.0)), n, e.mixture.n_components,
                         settings.covariance_type)


def _map_m_step(e: EStep, settings: EMSettings, locks: Locks | None, prior) -> Mixture:
    """The M-step under the conjugate prior (mclust's MAP M-step for the model)."""
    from gmm_explorer.engine.priors import map_parameters

    if locks is not None and locks.any:
        raise InputError("the MAP M-step under the prior updates every parameter: unlock "
                         "them, or switch the prior off to keep some fixed")
    m = e.mixture
    previous = (np.asarray(m.covariances) if m.covariance_type == settings.covariance_type
                else None)
    weights, means, cov = map_parameters(e.stats, np.asarray(m.means), e.sample_size,
                                         settings.covariance_type, prior, previous,
                                         noise=m.has_noise)
    if m.has_noise:
        # mclust's pro: n_k / N for the Gaussians, the rest for the noise.
        return Mixture(weights, means, cov, settings.covariance_type,
                       noise_weight=max(0.0, 1.0 - float(np.sum(weights))),
                       noise_density=m.noise_density)
    return Mixture(weights, means, cov, settings.covariance_type)


def algorithm_m_step(e: EStep, settings: EMSettings, locks: Locks | None = None,
                     prior=None) -> Mixture:
    """The M-step of ``settings.algorithm`` on the statistics of its pass: the model's
    M-step (its MAP M-step under ``prior``, see :func:`run_prior`), with k-means'
    weights held equal, or variational Bayes' update of the posterior."""
    if settings.prior:
        return _map_m_step(e, settings, locks, prior if prior is not None
                           else run_prior(e, settings))
    if settings.algorithm == algorithms.VB:
        if locks is not None and locks.any:
            raise InputError("variational Bayes updates the whole posterior: unlock the "
                             "parameters, or choose EM to keep some fixed")
        return variational.m_step(e.stats, np.asarray(e.mixture.means),
                                  settings.covariance_type, settings.reg_covar,
                                  e.mixture.posterior.prior, e.entropy)
    new = m_step(e, settings.covariance_type, settings.reg_covar, locks)
    return algorithms.with_equal_weights(new) if settings.algorithm == "kmeans" else new


def em_step(X, mixture: Mixture, settings: EMSettings = EMSettings(), *,
            backend: str | None = None, locks: Locks | None = None,
            weights=None) -> tuple[EStep, Mixture]:
    """One EM iteration: E-step on ``mixture``, then M-step.

    ``locks`` (optional) keeps those parameters of ``mixture`` fixed; see
    :func:`~gmm_explorer.engine.mstep.m_step`.

    Returns
    -------
    e : EStep
        The E-step, carrying the log-likelihood of the *input* parameters.
    new : Mixture
        The parameters after the M-step.
    """
    e = e_step(X, mixture, backend=backend, weights=weights)
    return e, m_step(e, settings.covariance_type, settings.reg_covar, locks)


@dataclass(frozen=True, eq=False)
class HalfStep:
    """One unit of EM as the window shows it.

    Attributes
    ----------
    phase : {"M", "E"}
        ``"M"``: a new state (the start, or the result of an M-step); ``"E"``: the
        responsibilities of that same state.
    result : StepResult
        The state. For ``"E"`` it is the very object of the ``"M"`` before it.
    estep : EStep
        The E-pass of ``result.mixture`` on the data: it carries the state's
        log-likelihood and, when the loop was asked for them, its responsibilities. The
        ``"E"`` half-step shares the ``"M"`` one's pass: the pass that scores a state is
        the one that prepares the next M-step, so a run costs one pass per iteration.
    """

    phase: str
    result: StepResult
    estep: EStep


def run_finished(result: StepResult, settings: EMSettings) -> bool:
    """The stop rule of a run: converged (scikit-learn's rule) or at iteration
    ``settings.max_iter`` (counted from iteration 0 of the run, so a resumed run stops where
    an uninterrupted one does)."""
    # A verdict of another kind of run (the run switched algorithm or prior at this
    # state) is not this run's.
    converged = result.converged and result.run_kind == run_kind(settings)
    return converged or result.iteration >= settings.max_iter


def half_steps(X, start: Mixture, settings: EMSettings = EMSettings(), *,
               backend: str | None = None, first_iteration: int = 0,
               previous_mean_log_likelihoods: tuple[float, ...] = (),
               locks: Locks | None = None, start_estep: EStep | None = None,
               want_resp: bool = False, stop: bool = True,
               weights=None, summary_table=None,
               summary_uncertainty: bool = True) -> Iterator[HalfStep]:
    """Run EM as a generator of half-steps: the one EM loop.

    Yields ``HalfStep("M", r0, e0)`` for the start (iteration ``first_iteration``), then
    repeatedly ``HalfStep("E", r, e)`` for the latest state ``r`` and, unless ``stop`` and
    :func:`run_finished` (``r``), the M-step's new state ``HalfStep("M", r', e')`` with
    ``r'.iteration = r.iteration + 1``. With ``stop`` the last half-step is always the
    ``"E"`` of the final state. Nothing is computed before the first ``next()``, and each
    ``"M"`` costs one M-step and one E-pass; an ``"E"`` costs nothing.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    start : Mixture
        If its covariance type differs from ``settings.covariance_type``, its covariances
        are first projected onto that type (see
        :func:`~gmm_explorer.engine.mixture.project_covariance_type`).
    settings : EMSettings
    backend : {None, "numba", "numpy"}
    first_iteration : int
        Iteration number of ``start`` (to resume a run).
    previous_mean_log_likelihoods : tuple of float
        The objective per point (:attr:`StepResult.mean_objective`; for EM the mean
        log-likelihood) of the iterations before ``start``, to resume a run with the same
        convergence decisions; only the last two matter.
    locks : Locks, optional
        Parameters every M-step keeps fixed (generalised EM; see
        :func:`~gmm_explorer.engine.mstep.m_step`). Locked covariances are those of
        ``start`` after any projection onto the run's type.
    start_estep : EStep, optional
        An E-pass of ``start`` on ``X`` already computed: reused instead of a new pass.
        Ignored (a new pass is made) when it is not a pass of the mixture the run starts
        from (e.g. ``start`` had to be projected), has another number of points, or lacks
        responsibilities that ``want_resp`` asks for, or a summary (with its
        uncertainty) that ``summary_table`` (and ``summary_uncertainty``) asks for.
    want_resp : bool
        Compute the responsibilities in every E-pass (``estep.responsibilities``; each
        a new read-only array).
    summary_table : array-like of shape (n_components + 1, 3), optional
        Summarise the points' responsibilities in every E-pass (``estep.summary``; see
        :func:`e_step`).
    summary_uncertainty : bool
        Include the uncertainty in those summaries (see :func:`e_step`).
    stop : bool
        False: never stop by itself (manual stepping may go past convergence or
        ``max_iter``); the caller stops pulling.
    weights : array-like of shape (n_samples,), optional
        Sample weights (frequencies; see :func:`e_step`): every pass, M-step,
        log-likelihood and mean per point counts point i ``w_i`` times.

    Yields
    ------
    HalfStep

    Raises
    ------
    InputError
        Bad points, too few of them for K, or locks for another K (on the first ``next()``).
    FitError
        When EM cannot continue (see :func:`~gmm_explorer.engine.mstep.m_step`);
        half-steps already yielded stand.
    """
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    check_enough_points(X.shape[0], start.n_components)
    if locks is not None and locks.n_components != start.n_components:
        raise InputError(f"the locks describe {locks.n_components} component(s) but the "
                         f"mixture has K={start.n_components}")
    if start.covariance_type != settings.covariance_type:
        start = project_covariance_type(start, settings.covariance_type)
    if settings.algorithm == "kmeans" and not algorithms.has_equal_weights(start):
        start = algorithms.with_equal_weights(start)
    if settings.noise and not start.has_noise:
        start = noise.with_noise(start, settings.noise,
                                 noise.noise_density(X, w, settings.noise_region))
    elif not settings.noise and start.has_noise:
        start = noise.without_noise(start)
    if settings.algorithm == algorithms.VB and not _vb_state_fits(start, settings):
        # Parameters that are not a VB state of this run (an EM state, a hand edit, other
        # priors): the VB M-step on their responsibilities makes one.
        start = vb_start(X, start, settings, backend=backend, weights=w)
    prev = list(previous_mean_log_likelihoods[-2:])
    e = start_estep
    # A pass is reused only when it is this algorithm's pass of exactly this state (SEM's
    # depends on the seed and iteration too, so it is always made afresh).
    if (e is None or e.mixture is not start or e.n_samples != X.shape[0]
            or (want_resp and e.responsibilities is None)
            or (summary_table is not None and (
                e.summary is None or (summary_uncertainty and e.summary.uncertainty is None)))
            or e.algorithm != settings.algorithm or settings.algorithm == "sem"
            or e.total_weight != (None if w is None else float(np.sum(w)))):
        e = algorithm_pass(X, start, settings, first_iteration, want_resp=want_resp,
                           backend=backend, weights=w, summary_table=summary_table,
                           summary_uncertainty=summary_uncertainty, _checked=True)
    # With noise the pass's statistics cover only the Gaussians' shares of the points, so
    # the data's mean and covariance (the health verdicts' scale, the prior's moments) are
    # taken from the points, once.
    moments = ((np.average(X, axis=0, weights=w), np.cov(X.T, bias=True, aweights=w))
               if start.has_noise else None)
    data_cov = None if moments is None else moments[1]
    result = step_result(first_iteration, e, prev, settings, data_cov)
    prior = run_prior(e, settings, moments)  # the data's: the same for every M-step
    yield HalfStep("M", result, e)
    while True:
        yield HalfStep("E", result, e)
        if stop and run_finished(result, settings):
            return
        new = algorithm_m_step(e, settings, locks, prior)
        prev = (prev + [result.mean_objective])[-2:]
        e = algorithm_pass(X, new, settings, result.iteration + 1, want_resp=want_resp,
                           backend=backend, weights=w, summary_table=summary_table,
                           summary_uncertainty=summary_uncertainty, _checked=True)
        # The data's covariance is the same at every iteration: computed once a run.
        result = step_result(result.iteration + 1, e, prev, settings,
                             result.data_covariance)
        yield HalfStep("M", result, e)


def iterate(X, start: Mixture, settings: EMSettings = EMSettings(), *,
            backend: str | None = None, first_iteration: int = 0,
            previous_mean_log_likelihoods: tuple[float, ...] = (),
            locks: Locks | None = None, weights=None) -> Iterator[StepResult]:
    """Run EM as a generator of :class:`StepResult`, one per iteration: the states
    (``"M"`` half-steps) of :func:`half_steps` with ``stop=True``.

    Yields the start (iteration ``first_iteration``) and then one result per M-step,
    stopping after a result with ``converged`` true or at iteration ``settings.max_iter``
    (:func:`run_finished`). The iteration count is absolute: a run resumed at iteration
    ``t`` takes at most ``max_iter - t`` M-steps, so it stops where the uninterrupted run
    would have; a run started at iteration 0 takes at most ``max_iter`` M-steps. Each
    result's log-likelihood is that of its own parameters; computing it is the same pass
    that prepares the next M-step, so a run costs one pass per iteration.

    Parameters
    ----------
    X, start, settings, backend, first_iteration, previous_mean_log_likelihoods, locks, weights
        As for :func:`half_steps`.

    Raises
    ------
    FitError
        When EM cannot continue; results already yielded stand.
    """
    for h in half_steps(X, start, settings, backend=backend, first_iteration=first_iteration,
                        previous_mean_log_likelihoods=previous_mean_log_likelihoods,
                        locks=locks, weights=weights):
        if h.phase == "M":
            yield h.result
