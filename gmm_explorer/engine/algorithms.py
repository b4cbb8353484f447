"""The algorithms that fit a mixture, each a way of forming responsibilities and an
objective, all run by the one EM loop (:func:`~gmm_explorer.engine.em.half_steps`).

* ``"em"`` — expectation-maximisation: soft responsibilities; the objective is the
  log-likelihood.
* ``"cem"`` — classification EM (Celeux & Govaert 1992): each point goes wholly to its most
  probable component (the C-step) before the M-step; the objective is the classification
  log-likelihood ``sum_i log(w_z N(x_i | mu_z, Sigma_z))``, which never decreases.
* ``"sem"`` — stochastic EM (Celeux & Diebolt 1985): each point goes to a component drawn
  from its responsibilities. The draws are seeded by (seed, iteration), so a run, a resumed
  run and a replayed step draw the same. The log-likelihood is its objective, and it is
  not monotone by design; SEM runs its ``max_iter`` iterations and never reports
  convergence.
* ``"kmeans"`` — Lloyd's k-means as the hard, equal-spherical limit: CEM on the EII model
  with the weights held equal, so each point goes to its nearest centre. Its objective is
  the within-cluster sum of squares, plotted negated per point so that, as for the
  others, higher is better.
* ``"vb"`` — variational Bayes with scikit-learn's ``BayesianGaussianMixture`` semantics
  (:mod:`~gmm_explorer.engine.variational`): soft responsibilities under the expected
  log-parameters; the objective is scikit-learn's lower bound (the ELBO up to constants),
  and components the data do not need switch off.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.errors import InputError

#: The algorithms, in the order the window and ``--algorithm`` offer them.
ALGORITHMS = ("em", "cem", "sem", "kmeans", "vb")

#: How each algorithm turns a state into the statistics of its M-step.
ASSIGNMENT = {"em": "soft", "cem": "hard", "sem": "sample", "kmeans": "hard", "vb": "soft"}

#: The algorithm names that later code refers to.
EM, CEM, SEM, KMEANS, VB = ALGORITHMS
#: k-means' one covariance model: equal spherical (mclust's EII).
KMEANS_MODEL = "EII"

_SHORT = {"em": "EM", "cem": "CEM", "sem": "SEM", "kmeans": "k-means", "vb": "VB"}
_LABELS = {"em": "EM", "cem": "CEM (classification EM)", "sem": "SEM (stochastic EM)",
           "kmeans": "k-means", "vb": "Variational Bayes"}
_OBJECTIVES = {"em": "mean log-likelihood",
               "cem": "mean classification log-likelihood",
               "sem": "mean log-likelihood",
               "kmeans": "\u2212mean squared distance to the nearest centre",
               "vb": "lower bound per point (ELBO up to a constant)"}
_DESCRIPTIONS = {
    "em": "Soft responsibilities: every point is shared among the components in proportion "
          "to how well each explains it. Maximises the log-likelihood.",
    "cem": "Hard assignments: every point goes wholly to its most probable component before "
           "the M-step. Maximises the classification log-likelihood; faster and sharper "
           "than EM, but biased when components overlap.",
    "sem": "Sampled assignments: every point goes to a component drawn at random from its "
           "responsibilities (seeded). The noise helps escape poor optima; the "
           "log-likelihood wanders and never settles exactly.",
    "kmeans": "Lloyd's k-means: every point goes to its nearest centre, then each centre "
              "moves to the mean of its points. CEM with equal weights and equal round "
              "clusters (EII).",
    "vb": "Variational Bayes (scikit-learn's BayesianGaussianMixture): a posterior over "
          "the weights, means and covariances instead of point estimates. Maximises a lower "
          "bound on the evidence; components the data do not need lose their weight and "
          "switch off.",
}
_ALIASES = {"k-means": "kmeans", "lloyd": "kmeans", "classification": "cem",
            "stochastic": "sem", "variational": "vb", "bayes": "vb"}


def check_algorithm(name) -> str:
    """The canonical algorithm name for ``name`` (case-insensitive); :class:`InputError`
    naming the choices otherwise."""
    key = str(name).strip().lower() if isinstance(name, str) else None
    key = _ALIASES.get(key, key)
    if key not in ALGORITHMS:
        raise InputError(f"unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}")
    return key


def label(algorithm: str) -> str:
    """A short display name, e.g. ``"CEM (classification EM)"``."""
    return _LABELS[check_algorithm(algorithm)]


def short_label(algorithm: str) -> str:
    """The shortest display name: ``"EM"``, ``"CEM"``, ``"SEM"``, ``"k-means"``."""
    return _SHORT[check_algorithm(algorithm)]


def describe(algorithm: str) -> str:
    """One or two plain sentences on what the algorithm does (tooltips, help)."""
    return _DESCRIPTIONS[check_algorithm(algorithm)]


def objective_name(algorithm: str) -> str:
    """What the log-likelihood panel plots for ``algorithm`` (per point, higher is
    better)."""
    return _OBJECTIVES[check_algorithm(algorithm)]


_AXES = {"em": "mean log-likelihood", "cem": "mean classification LL",
         "sem": "mean log-likelihood", "kmeans": "\u2212mean sq. distance",
         "vb": "ELBO + const. / point"}


def objective_axis(algorithm: str) -> str:
    """A short name of the plotted objective, for an axis or a status bar (at most 22
    characters: the log-likelihood panel's axis is short)."""
    return _AXES[check_algorithm(algorithm)]


def objective_words(algorithm: str) -> tuple[str, float]:
    """How prose names the objective, and the sign that turns a plotted value (or a
    change of it) into that quantity: k-means' plotted objective is minus its mean
    squared distance, which prose states as the positive distance."""
    if check_algorithm(algorithm) == KMEANS:
        return "mean squared distance to the nearest centre", -1.0
    return objective_name(algorithm), 1.0


def is_monotone(algorithm: str) -> bool:
    """Whether the objective never decreases (all but SEM)."""
    return check_algorithm(algorithm) != "sem"


def draws(seed: int, iteration: int, n: int) -> np.ndarray:
    """SEM's uniform draws for the pass of the state at ``iteration``: the same for the
    same (seed, iteration), however the run got there.

    Returns
    -------
    ndarray of shape (n,)
        Uniform in [0, 1).
    """
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, int(iteration)]).random(n)


def kmeans_objective(stats: np.ndarray) -> float:
    """k-means' objective from the statistics of a hard pass: minus the within-cluster
    sum of squares (each point's squared distance to the centre it went to).

    The statistics are about each component's mean in the state that was scored, and each
    point went to the nearest of those means, so the sum is ``sum_k (S2xx + S2yy)``.
    """
    return -float(np.sum(stats[:, 3] + stats[:, 5]))


def has_equal_weights(mixture: Mixture) -> bool:
    """Whether every weight is exactly 1/K (k-means' weights)."""
    k = mixture.n_components
    return bool(np.all(np.asarray(mixture.weights) == 1.0 / k))


def with_equal_weights(mixture: Mixture) -> Mixture:
    """``mixture`` with every weight 1/K: with equal round covariances, the most probable
    component of a point is then its nearest centre."""
    k = mixture.n_components
    return Mixture(np.full(k, 1.0 / k), mixture.means, mixture.covariances,
                   mixture.covariance_type)
