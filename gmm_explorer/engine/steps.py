"""The values one EM iteration produces.

* :class:`EMSettings` — the settings of a run (scikit-learn's defaults).
* :class:`EStep` — what an E-pass over the data returns: statistics, log-likelihood and,
  on request, responsibilities.
* :class:`StepResult` — the state after ``iteration`` EM iterations, with scikit-learn's
  convergence verdict; :func:`step_result` makes one from an E-pass.

These are frozen values: they cross threads, panels and files unchanged. How a state is
judged (:attr:`StepResult.diagnostics`, :meth:`StepResult.warnings`) lives in
:mod:`gmm_explorer.engine.diagnostics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from gmm_explorer.engine import algorithms, variational
from gmm_explorer.engine.diagnostics import (
    ComponentDiagnostics,
    diagnose,
    health_warnings,
    mark_switched_off,
)
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.models import canonical
from gmm_explorer.errors import InputError

#: A mean log-likelihood drop larger than this (relative) flags ``ll_decreased``; smaller
#: drops are rounding noise once EM has converged.
DECREASE_RTOL = 1e-9


@dataclass(frozen=True)
class EMSettings:
    """Settings of an EM run, with scikit-learn's defaults.

    Parameters
    ----------
    covariance_type : str
        Any of the fourteen models (:data:`~gmm_explorer.engine.models.MODEL_TYPES`, or
        an mclust code); stored by its canonical name.
    reg_covar : float
        Added to the diagonal of every sample covariance in each M-step (>= 0).
    tol : float
        Convergence threshold on the change in mean per-sample log-likelihood (>= 0;
        0 means run exactly ``max_iter`` iterations).
    max_iter : int
        Maximum number of iterations (M-steps); 0 only evaluates the start.
    algorithm : str
        One of :data:`~gmm_explorer.engine.algorithms.ALGORITHMS` (``"em"``, ``"cem"``,
        ``"sem"``, ``"kmeans"``). k-means fits only the EII model.
    seed : int
        Seeds SEM's draws (with the iteration number); the other algorithms ignore it.
    weight_prior : str
        Variational Bayes' prior on the weights: ``"dirichlet_process"`` (scikit-learn's
        default) or ``"dirichlet_distribution"``.
    weight_concentration : float or None
        Its concentration gamma_0 (> 0); None is scikit-learn's 1/K.
    prior : bool
        MAP estimation under mclust's default conjugate prior (``priorControl()``; see
        :mod:`~gmm_explorer.engine.priors`) instead of maximum likelihood: no covariance
        can become singular, and ``reg_covar`` is not used. For the models mclust has a
        prior for, with EM, CEM or SEM.
    noise : float
        A uniform noise component's starting weight, in [0, 1) (0: none; see
        :mod:`~gmm_explorer.engine.noise`). A run from parameters without one adds it
        with this weight; EM then estimates it. With EM only (under the prior too, as
        mclust's ``me*p`` with ``Vinv``).
    noise_region : str
        Where the noise component spreads its density: ``"box"`` (mclust's ``hypvol``,
        the default) or ``"hull"`` (the points' convex hull).
    """

    covariance_type: str = "full"
    reg_covar: float = 1e-6
    tol: float = 1e-3
    max_iter: int = 100
    algorithm: str = "em"
    seed: int = 0
    weight_prior: str = "dirichlet_process"
    weight_concentration: float | None = None
    prior: bool = False
    noise: float = 0.0
    noise_region: str = "box"

    def __post_init__(self) -> None:
        object.__setattr__(self, "covariance_type", canonical(self.covariance_type))
        object.__setattr__(self, "algorithm", algorithms.check_algorithm(self.algorithm))
        if self.algorithm == "kmeans" and self.covariance_type != algorithms.KMEANS_MODEL:
            raise InputError(
                f"k-means fits equal round clusters (the {algorithms.KMEANS_MODEL} model), "
                f"not {self.covariance_type!r}; choose {algorithms.KMEANS_MODEL} or another "
                "algorithm")
        if not isinstance(self.seed, (int, np.integer)):
            raise InputError(f"seed must be an integer, got {self.seed!r}")
        object.__setattr__(self, "weight_prior", variational.check_weight_prior(
            self.weight_prior))
        g = self.weight_concentration
        if g is not None and not (isinstance(g, (int, float)) and np.isfinite(g) and g > 0):
            raise InputError(f"weight_concentration must be a finite number > 0, got {g!r}")
        if self.algorithm == algorithms.VB:
            variational.check_model(self.covariance_type)
        if not isinstance(self.prior, (bool, np.bool_)):
            raise InputError(f"prior must be true or false, got {self.prior!r}")
        if self.prior:
            from gmm_explorer.engine.priors import check_prior_model

            if self.algorithm in (algorithms.VB, algorithms.KMEANS):
                raise InputError(
                    f"the conjugate prior is for EM, CEM and SEM; "
                    f"{algorithms.label(self.algorithm)} "
                    + ("has its own priors" if self.algorithm == algorithms.VB
                       else "has no place for one"))
            check_prior_model(self.covariance_type)
        from gmm_explorer.engine.noise import check_fraction, check_region

        object.__setattr__(self, "noise", check_fraction(self.noise))
        check_region(self.noise_region)
        if self.noise and self.algorithm != algorithms.EM:
            raise InputError("the noise component goes with EM: choose EM (with or "
                             "without the prior), or drop the noise")
        for name in ("reg_covar", "tol"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and np.isfinite(v) and v >= 0):
                raise InputError(f"{name} must be a finite number >= 0, got {v!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 0):
            raise InputError(f"max_iter must be an integer >= 0, got {self.max_iter!r}")


#: The uncertainty codes of a :class:`PointSummary`: ``round(UNCERTAINTY_CODES * u)``.
UNCERTAINTY_CODES = 255


@dataclass(frozen=True, eq=False)
class PointSummary:
    """What a view of the points needs of their responsibilities, one row per point,
    without the N x K responsibilities themselves (at 10 million points and K = 10 these
    are 800 MB; a summary is 5 bytes a point). Computed inside the E-pass when asked
    (:func:`~gmm_explorer.engine.em.e_step`'s ``summary_table``).

    Attributes
    ----------
    labels : ndarray of shape (n_samples,) int8 (int16 from 127 components on)
        The most probable component (the first on ties), or -1 where a noise component's
        responsibility exceeds every Gaussian's.
    uncertainty : ndarray of shape (n_samples,) uint8, or None
        ``u = 1 - max_k r_k`` over the Gaussians (mclust's uncertainty) as a code,
        ``round(255 u)``: ``u`` to within 1/510, enough for its colour (see
        :meth:`uncertainty_values`). None when not asked for (``summary_uncertainty``):
        a view colouring by the blend or the labels need not hold it.
    blend : ndarray of shape (n_samples, 3) uint8
        ``sum_k r_k table[k] + r_noise table[K]``, rounded and clipped to 0..255: with a
        palette as the table, each point's soft colour.
    """

    labels: np.ndarray
    uncertainty: np.ndarray | None
    blend: np.ndarray

    @classmethod
    def empty(cls, n: int, n_components: int = 1, uncertainty: bool = True) -> "PointSummary":
        labels = np.int8 if n_components < 127 else np.int16
        return cls(np.empty(n, labels), np.empty(n, np.uint8) if uncertainty else None,
                   np.empty((n, 3), np.uint8))

    def outputs(self, table: np.ndarray) -> tuple:
        """The passes' ``summary_out`` argument writing into this summary (an empty
        array for an uncertainty not asked for: the passes skip it)."""
        unc = np.empty(0, np.uint8) if self.uncertainty is None else self.uncertainty
        return (table, self.labels, unc, self.blend)

    def uncertainty_values(self) -> np.ndarray | None:
        """(n_samples,) float32: the uncertainty ``1 - max_k r_k`` its code stands for."""
        if self.uncertainty is None:
            return None
        return self.uncertainty * np.float32(1.0 / UNCERTAINTY_CODES)


@dataclass(frozen=True, eq=False)
class EStep:
    """Result of an E-step: everything the M-step needs, plus the log-likelihood.

    Attributes
    ----------
    mixture : Mixture
        The parameters the E-step evaluated.
    log_likelihood : float
        Total log-likelihood of the data under ``mixture``.
    n_samples : int
    stats : ndarray of shape (n_components, 6)
        ``S0, S1x, S1y, S2xx, S2xy, S2yy`` about each component's mean in ``mixture``.
    responsibilities : ndarray of shape (n_samples, n_components) or None
        Read-only; present only when requested. If the caller passed ``out``, this is a
        read-only view of it and changes when ``out`` is reused. For the hard algorithms
        each row is one-hot: the component the point went to.
    objective : float or None
        The algorithm's objective for this pass (total over the points; see
        :mod:`~gmm_explorer.engine.algorithms`); None for EM, whose objective is
        ``log_likelihood``.
    assignment : {"soft", "hard", "sample"}
        How the pass shared the points among the components (see
        :func:`~gmm_explorer.engine.em.e_step`).
    algorithm : str
        The algorithm whose pass this is (its ``objective``).
    entropy : float or None
        Variational Bayes: ``-sum r log r`` of the pass's responsibilities (the next
        state's bound starts from it).
    total_weight : float or None
        Under sample weights, their sum (None: unweighted). See :attr:`sample_size`.
    summary : PointSummary or None
        Present only when requested (``summary_table``).
    """

    mixture: Mixture
    log_likelihood: float
    n_samples: int
    stats: np.ndarray
    responsibilities: np.ndarray | None = None
    objective: float | None = None
    assignment: str = "soft"
    algorithm: str = "em"
    entropy: float | None = None
    total_weight: float | None = None
    summary: PointSummary | None = None

    @property
    def sample_size(self) -> float:
        """The N the statistics count: the number of points, or the sum of the sample
        weights (a point of weight w counts w times). Means per point, BIC's log N and
        the weights ``n_k / N`` use it."""
        return self.n_samples if self.total_weight is None else self.total_weight

    @property
    def mean_log_likelihood(self) -> float:
        """Mean per-sample log-likelihood (what ``tol`` is measured on)."""
        return self.log_likelihood / self.sample_size

    @property
    def n_effective(self) -> np.ndarray:
        """(n_components,) expected number of points each component claims."""
        return self.stats[:, 0].copy()

    @property
    def data_covariance(self) -> np.ndarray:
        """(2, 2) covariance of the data (divided by ``n_samples``), from ``stats`` alone
        (see :func:`data_moments`)."""
        cov = data_moments(self.stats, np.asarray(self.mixture.means), self.sample_size)[1]
        cov.setflags(write=False)
        return cov


def run_kind(settings: EMSettings) -> tuple:
    """The kind of run ``settings`` make: the algorithm, whether under the conjugate prior,
    variational Bayes' weight prior (None for the others), and whether with noise."""
    return (settings.algorithm, bool(settings.prior),
            settings.weight_prior if settings.algorithm == algorithms.VB else None,
            settings.noise > 0.0)


def data_moments(stats: np.ndarray, centres: np.ndarray,
                 n_samples: float) -> tuple[np.ndarray, np.ndarray]:
    """The data's mean and covariance (divided by ``n_samples``: the number of points, or
    the sum of their weights) from a pass's statistics about ``centres``, with no pass
    over the data.

    Responsibilities sum to 1 per point, so the components' statistics add up to the
    data's: with ``d_k = c_k - mean``, the total scatter about the data's mean is
    ``sum_k S2_k + S1_k d_k^T + d_k S1_k^T + S0_k d_k d_k^T``.

    Returns
    -------
    mean : ndarray of shape (2,)
    covariance : ndarray of shape (2, 2)
    """
    n = float(n_samples)
    w = stats[:, 0] / n
    s1 = stats[:, 1:3] / n          # sum_i r_ik (x_i - c_k) / N
    s2 = stats[:, 3:6] / n          # xx, xy, yy about c_k, / N
    # Statistics that overflowed (data near 1e154) give a non-finite covariance, which
    # diagnose() treats as "no scale to judge against", not an error.
    with np.errstate(over="ignore", invalid="ignore"):
        mean = w @ centres + s1.sum(axis=0)
        d = centres - mean
        xx = np.sum(s2[:, 0] + 2.0 * s1[:, 0] * d[:, 0] + w * d[:, 0] * d[:, 0])
        xy = np.sum(s2[:, 1] + s1[:, 0] * d[:, 1] + d[:, 0] * s1[:, 1]
                    + w * d[:, 0] * d[:, 1])
        yy = np.sum(s2[:, 2] + 2.0 * s1[:, 1] * d[:, 1] + w * d[:, 1] * d[:, 1])
    return mean, np.array([[xx, xy], [xy, yy]])


@dataclass(frozen=True, eq=False)
class StepResult:
    """The state after ``iteration`` EM iterations.

    Attributes
    ----------
    iteration : int
        Number of M-steps applied since the start (0 = the initial parameters).
    mixture : Mixture
    log_likelihood : float
        Total log-likelihood of the data under ``mixture`` (exactly these parameters).
    mean_log_likelihood : float
        Per unit of :attr:`sample_size`.
    n_samples : int
        The number of points.
    change : float or None
        ``mean_log_likelihood`` minus that of the previous iteration (None at iteration 0).
    converged : bool
        scikit-learn's rule: the change measured at the previous iteration was below ``tol``.
        scikit-learn takes one more M-step after the change falls below ``tol``, and so do
        we, so ``iteration`` and the parameters match its ``n_iter_`` and fit.
    ll_decreased : bool
        The mean log-likelihood fell by more than rounding noise (EM should never do this;
        with ``reg_covar`` > 0 and a collapsing component it can).
    n_effective : ndarray of shape (n_components,)
        Expected number of points each component claims under ``mixture``.
    reg_covar : float
        The run's ``reg_covar``.
    data_covariance : ndarray of shape (2, 2) or None
        Covariance of the data the state was evaluated on (from the E-pass's statistics),
        the scale the diagnostics are judged against. None (e.g. a state read from an old
        file): the mixture's own overall covariance stands in, which after an M-step is the
        data's plus ``reg_covar``.
    objective : float or None
        The run's algorithm's objective, total over the points (None: the log-likelihood,
        EM's objective). ``change``, ``converged`` and ``ll_decreased`` are about it.
    algorithm : str
        The algorithm that made the state (``"em"``, ``"cem"``, ``"sem"``, ``"kmeans"``,
        ``"vb"``).
    prior : bool
        Whether the run was under the conjugate prior (MAP estimation).
    total_weight : float or None
        The sum of the sample weights the state was evaluated under (None: unweighted).
    diagnostics : tuple of ComponentDiagnostics
        Computed on first access.
    """

    iteration: int
    mixture: Mixture
    log_likelihood: float
    mean_log_likelihood: float
    n_samples: int
    change: float | None
    converged: bool
    ll_decreased: bool
    n_effective: np.ndarray
    reg_covar: float = 1e-6
    data_covariance: np.ndarray | None = None
    objective: float | None = None
    algorithm: str = "em"
    prior: bool = False
    total_weight: float | None = None

    def __repr__(self) -> str:
        from gmm_explorer.engine.reprs import step_line

        return f"StepResult({step_line(self)}; {self.mixture!r})"

    def _repr_html_(self) -> str:
        """The state's iteration and log-likelihood, and its mixture's table."""
        from gmm_explorer.engine.reprs import step_html

        return step_html(self)

    @property
    def sample_size(self) -> float:
        """The number of points, or the sum of their sample weights (see
        :attr:`EStep.sample_size`)."""
        return self.n_samples if self.total_weight is None else self.total_weight

    @property
    def run_kind(self) -> tuple:
        """What kind of run made the state (:func:`run_kind`): a state of another kind
        starts a new branch and a new run."""
        post = self.mixture.posterior
        return (self.algorithm, bool(self.prior),
                None if post is None else post.prior.weight_prior, self.mixture.has_noise)

    @property
    def mean_objective(self) -> float:
        """The algorithm's objective per point (the log-likelihood panel's y value)."""
        if self.objective is None:
            return self.mean_log_likelihood
        return self.objective / self.sample_size

    @cached_property
    def diagnostics(self) -> tuple[ComponentDiagnostics, ...]:
        """Per-component health (computed on first use); variational Bayes' switched-off
        components are "off"."""
        d = diagnose(self.mixture, self.n_effective, self.reg_covar, self.data_covariance)
        if self.algorithm == algorithms.VB:
            d = mark_switched_off(d, np.asarray(self.mixture.weights) * self.sample_size)
        return d

    def warnings(self) -> tuple[str, ...]:
        """Human-readable warnings, e.g. ``"component 3 is collapsing (…)"`` or
        ``"components 2 and 3 are duplicates"`` (1-based), worst first per component."""
        what = ("log-likelihood" if self.objective is None
                else algorithms.objective_name(self.algorithm).replace("mean ", ""))
        return health_warnings(self.diagnostics, self.mixture.covariance_type) + (
            (f"{what} decreased by {-self.change:.3g} per point",)
            if self.ll_decreased else ())


def step_result(iteration: int, e: EStep, previous_mean_objectives=(),
                settings: EMSettings = EMSettings(), data_covariance=None) -> StepResult:
    """The :class:`StepResult` for the parameters ``e.mixture`` at ``iteration``.

    Parameters
    ----------
    iteration : int
    e : EStep
        The E-step of exactly those parameters (it carries their log-likelihood and, for
        the algorithms other than EM, their objective).
    previous_mean_objectives : sequence of float
        The objective per point of the earlier iterations of the run (the mean
        log-likelihood for EM; only the last two matter), for ``change`` and
        scikit-learn's convergence rule.
    settings : EMSettings
    data_covariance : ndarray of shape (2, 2), optional
        The data's covariance when already known (it is the same at every iteration of a
        run on the same points); None computes it from ``e``'s statistics.
    """
    prev = list(previous_mean_objectives)[-2:]
    data_cov = e.data_covariance if data_covariance is None else data_covariance
    objective = e.objective
    mean = e.mean_log_likelihood if objective is None else objective / e.sample_size
    change = None if not prev else mean - prev[-1]
    # scikit-learn checks, at iteration n, the change measured by that iteration's E-step,
    # which evaluates the parameters of iteration n-1; hence the look-back by one.
    tol = settings.tol
    if settings.algorithm == "kmeans":
        # A sum of squares has the data's units squared: tol is relative to the data's
        # mean variance, as scikit-learn's KMeans takes it.
        with np.errstate(invalid="ignore", over="ignore"):
            tol = tol * float(np.trace(data_cov)) / 2.0
    if settings.algorithm == algorithms.VB:
        # scikit-learn's BayesianGaussianMixture: the change of the *total* bound, this
        # state's against the last (its bound is known without a look-back), never at the
        # first iteration of a run (the bound before it is -inf there).
        converged = len(prev) >= 2 and abs(mean - prev[-1]) * e.sample_size < tol
    else:
        # SEM's objective wanders by design: it runs max_iter steps and never converges.
        converged = (algorithms.is_monotone(settings.algorithm) and len(prev) >= 2
                     and abs(prev[-1] - prev[-2]) < tol)
    # Under the prior EM climbs the log-posterior; the log-likelihood it shows may dip.
    decreased = (algorithms.is_monotone(settings.algorithm) and not settings.prior
                 and change is not None and change < -DECREASE_RTOL * max(1.0, abs(mean)))
    n_eff = e.stats[:, 0].copy()
    n_eff.setflags(write=False)
    return StepResult(iteration, e.mixture, e.log_likelihood, e.mean_log_likelihood,
                      e.n_samples, change, converged, decreased, n_eff, settings.reg_covar,
                      data_cov, objective, settings.algorithm, settings.prior,
                      e.total_weight)
