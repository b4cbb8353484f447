"""Variational Bayes for a Gaussian mixture, with scikit-learn's
``BayesianGaussianMixture`` semantics (Bishop 2006, ch. 10; Blei & Jordan 2006).

The state of a run is a posterior (:class:`Posterior`): Dirichlet (or, for the
Dirichlet-process prior, stick-breaking Beta) concentrations on the weights, and a
Gaussian-Wishart on each component's mean and precision. It travels on the
:class:`~gmm_explorer.engine.mixture.Mixture` it is summarised by (``Mixture.posterior``):
the expected weights, the posterior means and scikit-learn's normalised covariances, which
are what the window draws.

One iteration is the EM loop's:

* the **E-pass** is the fused pass of :mod:`~gmm_explorer.engine._kernels` with
  per-component constants ``E[log w_k] + E[log det Lambda_k] / 2 - d / (2 beta_k)`` in
  place of ``log w_k`` (:func:`pass_constants`), so it costs what an EM pass costs and
  makes no N x K temporaries;
* the **M-step** updates the posterior from that pass's statistics (:func:`m_step`);
* the **objective** is scikit-learn's lower bound (constant terms dropped, as there): the
  entropy of the responsibilities the posterior was fitted from, minus the Wishart and
  Dirichlet normalisers, minus ``d/2 sum log beta_k``. Like scikit-learn's
  ``lower_bound_``, a state's bound pairs its posterior with the responsibilities of the
  pass before it, and convergence is a change of the total below ``tol``.

Components whose expected weight falls towards the prior's switch off: with the
Dirichlet-process prior a few components take nearly all the weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine import _kernels
from gmm_explorer.errors import InputError

#: scikit-learn's ``weight_concentration_prior_type`` values: the stick-breaking
#: Dirichlet process (its default) or a finite Dirichlet distribution.
WEIGHT_PRIORS = ("dirichlet_process", "dirichlet_distribution")
#: The covariance models variational Bayes fits: scikit-learn's four.
VB_MODELS = ("full", "tied", "diag", "spherical")
#: The dimension.
D = 2
NK_FLOOR = 10 * np.finfo(np.float64).eps


def check_weight_prior(name) -> str:
    """The canonical weight-prior name ("process"/"distribution" accepted, any case)."""
    key = str(name).strip().lower() if isinstance(name, str) else None
    key = {"process": "dirichlet_process", "dp": "dirichlet_process",
           "distribution": "dirichlet_distribution",
           "dirichlet": "dirichlet_distribution"}.get(key, key)
    if key not in WEIGHT_PRIORS:
        raise InputError(f"unknown weight prior {name!r}; choose dirichlet_process or "
                         "dirichlet_distribution")
    return key


def check_model(covariance_type: str) -> None:
    """:class:`InputError` unless variational Bayes fits ``covariance_type``."""
    if covariance_type not in VB_MODELS:
        raise InputError(f"variational Bayes fits scikit-learn's four covariance models "
                         f"({', '.join(VB_MODELS)}), not {covariance_type!r}")


@dataclass(frozen=True, eq=False)
class Prior:
    """The priors of a run (scikit-learn's defaults), fixed when the run starts.

    Attributes
    ----------
    weight_prior : str
        ``"dirichlet_process"`` or ``"dirichlet_distribution"``.
    weight_concentration : float
        gamma_0 (scikit-learn's default 1/K).
    mean_precision : float
        beta_0 (1).
    mean : ndarray of shape (2,)
        m_0: the data's mean.
    degrees_of_freedom : float
        nu_0 (the dimension, 2).
    covariance : ndarray of shape (2, 2)
        The data's covariance (divisor N - 1), as scikit-learn's ``np.cov``; the diagonal
        and spherical models take its diagonal and the diagonal's mean.
    """

    weight_prior: str
    weight_concentration: float
    mean_precision: float
    mean: np.ndarray
    degrees_of_freedom: float
    covariance: np.ndarray

    @classmethod
    def from_statistics(cls, stats: np.ndarray, centres: np.ndarray, n_samples: int,
                        weight_prior: str, weight_concentration: float | None):
        """The default priors for the data summarised by a pass's statistics about
        ``centres`` (any responsibilities: the components add up to the data)."""
        from gmm_explorer.engine.steps import data_moments

        k = stats.shape[0]
        n = float(n_samples)
        mean, cov = data_moments(stats, centres, n_samples)
        cov = cov * (n / (n - 1.0))  # np.cov's divisor
        gamma0 = 1.0 / k if weight_concentration is None else float(weight_concentration)
        return cls(check_weight_prior(weight_prior), gamma0, 1.0, mean, float(D), cov)


@dataclass(frozen=True, eq=False)
class Posterior:
    """The variational posterior of a state, scikit-learn's fitted attributes.

    Attributes
    ----------
    prior : Prior
    weight_concentration : ndarray of shape (K,) or (2, K)
        Dirichlet concentrations, or the stick-breaking Betas' two parameters.
    mean_precision : ndarray of shape (K,)
        beta_k.
    degrees_of_freedom : ndarray of shape (K,)
        nu_k (equal for the tied model).
    entropy : float
        ``-sum_ik r_ik log r_ik`` of the responsibilities it was fitted from.
    lower_bound : float
        scikit-learn's lower bound of this posterior with those responsibilities.
    """

    prior: Prior
    weight_concentration: np.ndarray
    mean_precision: np.ndarray
    degrees_of_freedom: np.ndarray
    entropy: float
    lower_bound: float

    def expected_log_weights(self) -> np.ndarray:
        """``E[log w_k]`` under the posterior (scikit-learn's ``_estimate_log_weights``)."""
        from scipy.special import digamma  # lazy: scipy.special takes 0.1 s to import

        wc = self.weight_concentration
        if self.prior.weight_prior == "dirichlet_process":
            a, b = wc
            dsum = digamma(a + b)
            return digamma(a) - dsum + np.hstack((0.0, np.cumsum(digamma(b) - dsum)[:-1]))
        return digamma(wc) - digamma(np.sum(wc))

    def expected_weights(self) -> np.ndarray:
        """The weights shown: scikit-learn's ``weights_``."""
        wc = self.weight_concentration
        if self.prior.weight_prior == "dirichlet_process":
            a, b = wc
            total = a + b
            w = a / total * np.hstack((1.0, np.cumprod(b / total)[:-1]))
            return w / np.sum(w)
        return wc / np.sum(wc)


def pass_constants(mixture) -> np.ndarray:
    """The per-component constants of the VB E-pass (scikit-learn's
    ``_estimate_log_prob`` + ``_estimate_log_weights``, beside the Gaussian exponent):
    ``E[log w_k] + log det U_k - log(2 pi) - (d/2) log nu_k + (log Lambda_k - d/beta_k)/2``
    with ``log Lambda_k = d log 2 + sum_i digamma((nu_k - i)/2)``."""
    from scipy.special import digamma

    post = mixture.posterior
    nu = post.degrees_of_freedom
    log_lambda = D * math.log(2.0) + digamma(0.5 * nu) + digamma(0.5 * (nu - 1.0))
    return (post.expected_log_weights() + mixture.log_det_precision_chol - _kernels.LOG_2PI
            - 0.5 * D * np.log(nu) + 0.5 * (log_lambda - D / post.mean_precision))


def entropy_from_pass(const: np.ndarray, mixture, stats: np.ndarray,
                      log_norm_total: float) -> float:
    """``-sum_ik r_ik log r_ik`` of a pass's responsibilities, from its statistics alone.

    ``log r_ik = c_k - q_ik / 2 - log Z_i`` with ``q_ik`` the squared Mahalanobis distance
    to mean ``m_k``; summing ``r_ik q_ik`` over the points is ``tr(P_k S2_k)`` for the
    second moments about ``m_k`` that the pass returns, so no N x K array is needed.
    """
    u = mixture.precision_chol          # P = U U^T, U upper: (u00, u01, u11)
    u00, u01, u11 = u[:, 0], u[:, 1], u[:, 2]
    p_xx = u00 * u00 + u01 * u01
    p_xy = u01 * u11
    p_yy = u11 * u11
    trace = p_xx * stats[:, 3] + 2.0 * p_xy * stats[:, 4] + p_yy * stats[:, 5]
    return -(float(np.sum(const * stats[:, 0] - 0.5 * trace)) - log_norm_total)


def m_step(stats: np.ndarray, centres: np.ndarray, covariance_type: str, reg_covar: float,
           prior: Prior, entropy: float):
    """The VB M-step (scikit-learn's ``_m_step``) on a pass's statistics about
    ``centres``: the new posterior, summarised as a Mixture carrying it.

    Parameters
    ----------
    stats : ndarray of shape (n_components, 6)
    centres : ndarray of shape (n_components, 2)
    covariance_type : {"full", "tied", "diag", "spherical"}
    reg_covar : float
    prior : Prior
    entropy : float
        Of the responsibilities behind ``stats`` (the bound's first term).

    Returns
    -------
    Mixture
    """
    from gmm_explorer.engine.mixture import Mixture
    from gmm_explorer.engine.mstep import parameters_from_statistics

    check_model(covariance_type)
    k = stats.shape[0]
    nk = stats[:, 0] + NK_FLOOR
    # scikit-learn's nk, xk, sk: the maximum-likelihood M-step's means and covariances.
    ml = parameters_from_statistics(stats, centres, covariance_type, reg_covar)
    xk = np.asarray(ml.means)
    sk = np.asarray(ml.covariances)
    g0, b0, m0, nu0 = (prior.weight_concentration, prior.mean_precision, prior.mean,
                       prior.degrees_of_freedom)
    if prior.weight_prior == "dirichlet_process":
        wc = np.stack([1.0 + nk, g0 + np.hstack((np.cumsum(nk[::-1])[-2::-1], 0.0))])
    else:
        wc = g0 + nk
    beta = b0 + nk
    means = (b0 * m0 + nk[:, None] * xk) / beta[:, None]
    diff = xk - m0
    cov = np.empty((k, 2, 2))
    if covariance_type == "full":
        nu = nu0 + nk
        outer = diff[:, :, None] * diff[:, None, :]
        cov[:] = (prior.covariance + nk[:, None, None] * sk
                  + (nk * b0 / beta)[:, None, None] * outer)
        cov /= nu[:, None, None]
    elif covariance_type == "tied":
        nu = np.full(k, nu0 + nk.sum() / k)
        shared = (prior.covariance + sk[0] * nk.sum() / k
                  + b0 / k * np.dot((nk / beta) * diff.T, diff))
        cov[:] = shared / nu[0]
    elif covariance_type == "diag":
        nu = nu0 + nk
        var = (np.diag(prior.covariance) + nk[:, None]
               * (np.stack([sk[:, 0, 0], sk[:, 1, 1]], axis=1)
                  + (b0 / beta)[:, None] * np.square(diff)))
        var /= nu[:, None]
        cov[:, 0, 0], cov[:, 1, 1] = var[:, 0], var[:, 1]
        cov[:, 0, 1] = cov[:, 1, 0] = 0.0
    else:  # spherical
        nu = nu0 + nk
        var = (np.mean(np.diag(prior.covariance)) + nk
               * (sk[:, 0, 0] + b0 / beta * np.mean(np.square(diff), axis=1)))
        var /= nu
        cov[:, 0, 0] = cov[:, 1, 1] = var
        cov[:, 0, 1] = cov[:, 1, 0] = 0.0
    mixture_type = covariance_type
    post = Posterior(prior, wc, beta, nu, float(entropy), 0.0)
    shown = Mixture(post.expected_weights(), means, cov, mixture_type)
    bound = entropy + _bound_terms(shown, post, covariance_type)
    post = Posterior(prior, wc, beta, nu, float(entropy), float(bound))
    return Mixture(shown.weights, shown.means, shown.covariances, mixture_type, True,
                   posterior=post)


def _bound_terms(mixture, post: Posterior, covariance_type: str) -> float:
    """The lower bound's terms beyond the entropy (scikit-learn's
    ``_compute_lower_bound``)."""
    from scipy.special import betaln, gammaln

    nu = post.degrees_of_freedom
    k = nu.shape[0]
    log_det = mixture.log_det_precision_chol - 0.5 * D * np.log(nu)

    def log_wishart_norm(dof, ld):
        return -(dof * ld + dof * D * 0.5 * math.log(2.0)
                 + gammaln(0.5 * dof) + gammaln(0.5 * (dof - 1.0)))

    if covariance_type == "tied":
        log_wishart = k * float(log_wishart_norm(nu[0], log_det[0]))
    else:
        log_wishart = float(np.sum(log_wishart_norm(nu, log_det)))
    wc = post.weight_concentration
    if post.prior.weight_prior == "dirichlet_process":
        log_norm_weight = -float(np.sum(betaln(wc[0], wc[1])))
    else:
        log_norm_weight = float(gammaln(np.sum(wc)) - np.sum(gammaln(wc)))
    return -log_wishart - log_norm_weight - 0.5 * D * float(np.sum(np.log(post.mean_precision)))
