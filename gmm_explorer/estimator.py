"""``gmm_explorer.GaussianMixture``: scikit-learn's estimator, run by GMM Explorer's engine.

It takes scikit-learn's constructor parameters and offers its methods and fitted
attributes, so that code written for ``sklearn.mixture.GaussianMixture`` on 2-D data can
swap it in. Fitting runs the engine's one EM loop (the fused kernel), with scikit-learn's
M-step, ``reg_covar`` and stopping rule: from the same start (``weights_init``,
``means_init`` and ``precisions_init`` given) the fitted attributes agree with
scikit-learn's to rounding. Without them the start is made as scikit-learn makes it
(``init_params``), from GMM Explorer's own random numbers. scikit-learn itself is not
needed.

Beyond scikit-learn's four ``covariance_type`` values it accepts mclust's fourteen model
codes (``"VEV"`` …); their ``covariances_`` are K full matrices.
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings

import numpy as np

from gmm_explorer.errors import GMMExplorerError

_NOT_FITTED = ("This GaussianMixture instance is not fitted yet. Call 'fit' with "
               "appropriate arguments before using this estimator.")


class NotFittedError(ValueError, AttributeError):
    """Raised when a method needs a fitted estimator (as scikit-learn's)."""


class ConvergenceWarning(UserWarning):
    """Warned when the fit stopped at ``max_iter`` before converging (as scikit-learn's
    warning of that name)."""


class GaussianMixture:
    """Gaussian mixture of 2-D data, fitted by EM (scikit-learn's interface).

    Parameters
    ----------
    n_components, covariance_type, tol, reg_covar, max_iter, n_init, init_params,
    weights_init, means_init, precisions_init, random_state, warm_start, verbose,
    verbose_interval
        As scikit-learn's ``GaussianMixture`` (``verbose`` and ``verbose_interval`` are
        accepted and ignored).

    Attributes
    ----------
    weights_, means_, covariances_, precisions_, precisions_cholesky_, converged_,
    n_iter_, lower_bound_, n_features_in_
        As scikit-learn's, after :meth:`fit`.
    mixture_ : Mixture
        The fitted parameters as GMM Explorer's Mixture.
    """

    def __init__(self, n_components=1, *, covariance_type="full", tol=1e-3, reg_covar=1e-6,
                 max_iter=100, n_init=1, init_params="kmeans", weights_init=None,
                 means_init=None, precisions_init=None, random_state=None, warm_start=False,
                 verbose=0, verbose_interval=10):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    # ------------------------------------------------------------------ scikit-learn API

    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep=True) -> dict:
        """The constructor parameters (as scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> GaussianMixture:
        """Set constructor parameters (as scikit-learn's ``set_params``)."""
        names = self._param_names()
        for key, value in params.items():
            if key not in names:
                raise ValueError(f"Invalid parameter {key!r} for estimator {self!r}. "
                                 f"Valid parameters are: {names!r}.")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in
                    inspect.signature(type(self).__init__).parameters.values()
                    if p.name != "self"}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if not _same(v, defaults[k])]
        return f"GaussianMixture({', '.join(changed)})"

    # ------------------------------------------------------------------ fitting

    def fit(self, X, y=None) -> GaussianMixture:
        """Fit the mixture to ``X`` (n_samples, 2) by EM; returns ``self``."""
        self._fit(X)
        return self

    def fit_predict(self, X, y=None) -> np.ndarray:
        """Fit, then the most probable component of each point of ``X``."""
        return self._fit(X).predict(X)

    def _fit(self, X) -> GaussianMixture:
        from gmm_explorer import engine as E
        from gmm_explorer.engine.sklearn_interop import (
            check_covariance_type,
            precisions_cholesky,
            precisions_from_cholesky,
            sklearn_covariances,
        )

        X = _points(X)
        k = self.n_components
        if not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"n_components must be an integer >= 1, got {k!r}")
        if X.shape[0] < k:
            raise ValueError(f"Expected n_samples >= n_components but got "
                             f"n_components = {k}, n_samples = {X.shape[0]}")
        try:
            ctype = check_covariance_type(self.covariance_type)
            settings = E.EMSettings(ctype, float(self.reg_covar), float(self.tol),
                                    int(self.max_iter))
        except GMMExplorerError as exc:
            raise ValueError(str(exc)) from None
        sk_type = ctype if ctype in ("full", "tied", "diag", "spherical") else "full"
        start = self._start(X, k, ctype, sk_type)
        seed = _seed(self.random_state)
        try:
            if start is not None:
                result = E.fit(X, settings=settings, init=start, n_init=1)
            else:
                result = E.fit(X, k, settings=settings, init=self.init_params,
                               n_init=int(self.n_init), seed=seed)
        except GMMExplorerError as exc:
            raise ValueError(str(exc)) from None
        m = result.mixture
        history = result.history
        self.mixture_ = m
        self.weights_ = np.array(m.weights)
        self.means_ = np.array(m.means)
        self.covariances_ = sklearn_covariances(m, sk_type)
        self.precisions_cholesky_ = precisions_cholesky(m, sk_type)
        self.precisions_ = precisions_from_cholesky(self.precisions_cholesky_, sk_type)
        self.converged_ = bool(result.final.converged)
        self.n_iter_ = int(result.final.iteration)
        # scikit-learn's lower_bound_ is the mean log-likelihood its last E-step measured:
        # that of the parameters before the last M-step.
        before = history[-2] if len(history) >= 2 else history[-1]
        self.lower_bound_ = float(before.mean_log_likelihood)
        self.n_features_in_ = 2
        self._sk_type = sk_type
        if not self.converged_ and self.max_iter > 0:
            warnings.warn("Best performing initialization did not converge. Try different "
                          "init parameters, or increase max_iter, tol, or check for "
                          "degenerate data.", ConvergenceWarning, stacklevel=3)
        return self

    def _start(self, X, k, ctype, sk_type):
        """The start the user gave (scikit-learn's ``*_init``), the fitted parameters
        under ``warm_start``, or None for an initialisation by ``init_params``."""
        from gmm_explorer import engine as E
        from gmm_explorer.engine.sklearn_interop import full_precisions

        if (self.warm_start and hasattr(self, "mixture_")
                and self.mixture_.n_components == k):
            return self.mixture_
        if self.means_init is None:
            if self.weights_init is not None or self.precisions_init is not None:
                raise ValueError("give means_init with weights_init or precisions_init: "
                                 "GMM Explorer starts from given parameters only when the "
                                 "means are among them")
            return None
        means = np.asarray(self.means_init, dtype=np.float64)
        if means.shape != (k, 2):
            raise ValueError(f"The parameter 'means' should have the shape of ({k}, 2), "
                             f"but got {means.shape}")
        weights = (np.full(k, 1.0 / k) if self.weights_init is None
                   else np.asarray(self.weights_init, dtype=np.float64))
        if self.precisions_init is None:
            # scikit-learn would take the covariances from its init_params' responsibilities;
            # here the means' nearest points give them (one k-means assignment).
            labels = np.argmin(((X[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
            start = E.initialise_from_labels(X, labels, covariance_type=ctype)[0]
            cov = np.asarray(start.covariances)
        else:
            cov = full_precisions(self.precisions_init, sk_type, k)
        try:
            return E.project_covariance_type(
                E.Mixture(weights, means, 0.5 * (cov + np.swapaxes(cov, 1, 2)), "full"),
                ctype)
        except GMMExplorerError as exc:
            raise ValueError(str(exc)) from None

    # ------------------------------------------------------------------ after fitting

    def _fitted(self):
        if not hasattr(self, "mixture_"):
            raise NotFittedError(_NOT_FITTED)
        return self.mixture_

    def predict_proba(self, X) -> np.ndarray:
        """Each component's responsibility for each point: (n_samples, n_components)."""
        from gmm_explorer.engine import predict_proba

        return predict_proba(_points(X), self._fitted())

    def predict(self, X) -> np.ndarray:
        """The most probable component of each point."""
        return self.predict_proba(X).argmax(axis=1)

    def score_samples(self, X) -> np.ndarray:
        """The log-density of the mixture at each point."""
        from gmm_explorer.engine import score_samples

        return score_samples(_points(X), self._fitted())

    def score(self, X, y=None) -> float:
        """The mean log-likelihood of ``X``."""
        return float(self.score_samples(X).mean())

    def _n_parameters(self) -> int:
        return int(self._fitted().n_parameters())

    def bic(self, X) -> float:
        """The Bayesian information criterion on ``X`` (lower is better)."""
        X = _points(X)
        return -2 * self.score(X) * X.shape[0] + self._n_parameters() * math.log(X.shape[0])

    def aic(self, X) -> float:
        """The Akaike information criterion on ``X`` (lower is better)."""
        X = _points(X)
        return -2 * self.score(X) * X.shape[0] + 2 * self._n_parameters()

    def sample(self, n_samples=1) -> tuple[np.ndarray, np.ndarray]:
        """``n_samples`` points drawn from the mixture and their components, drawn as
        scikit-learn draws them (the same numbers for the same ``random_state``)."""
        self._fitted()
        if not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(f"Invalid value for 'n_samples': {n_samples!r}. The sampling "
                             "requires at least one sample.")
        rng = _random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        if self._sk_type == "full":
            X = np.vstack([rng.multivariate_normal(m, c, int(n))
                           for m, c, n in zip(self.means_, self.covariances_, counts)])
        elif self._sk_type == "tied":
            X = np.vstack([rng.multivariate_normal(m, self.covariances_, int(n))
                           for m, n in zip(self.means_, counts)])
        else:
            X = np.vstack([m + rng.standard_normal(size=(n, 2)) * np.sqrt(c)
                           for m, c, n in zip(self.means_, self.covariances_, counts)])
        y = np.concatenate([np.full(n, j, dtype=int) for j, n in enumerate(counts)])
        return X, y


def _points(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"Expected 2D array, got {X.ndim}D array instead")
    if X.shape[1] != 2:
        raise ValueError(f"GMM Explorer's GaussianMixture fits 2-D data: X has "
                         f"{X.shape[1]} features, not 2. Use sklearn.mixture."
                         "GaussianMixture for other dimensions.")
    if not np.all(np.isfinite(X)):
        raise ValueError("Input X contains NaN or infinity.")
    return np.ascontiguousarray(X)


def _random_state(random_state) -> np.random.RandomState:
    """scikit-learn's ``check_random_state``: None (numpy's global RandomState), an int,
    or a RandomState."""
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, numbers.Integral):
        return np.random.RandomState(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    raise ValueError(f"{random_state!r} cannot be used to seed a numpy.random.RandomState "
                     "instance")


def _seed(random_state):
    """The engine's seed for ``random_state``: the int itself, or one drawn from it."""
    if random_state is None or isinstance(random_state, numbers.Integral):
        return random_state
    return int(_random_state(random_state).randint(2**31 - 1))


def _same(a, b) -> bool:
    try:
        return bool(a is b or a == b)
    except (ValueError, TypeError):
        return False
