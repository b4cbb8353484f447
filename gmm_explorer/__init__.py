"""GMM Explorer: explore Gaussian mixture models fitted to 2-D data.

Layers (dependencies run one way): ``engine`` <- ``io`` <- ``session`` <- ``cli`` and ``qt``.
``engine`` and ``io`` never import Qt.
"""

__version__ = "0.1.0"

#: True in the app's own process: set by its entry points (``gmm-explorer``,
#: ``gmm-explorer-gui``, ``python -m gmm_explorer``) before anything runs. False where the
#: package is imported as a library (a notebook, a script, the tests): there the engine
#: leaves modules it shares with its host exactly as their own imports make them.
OWN_PROCESS = False


def __getattr__(name: str):
    # gmm_explorer.GaussianMixture (scikit-learn's estimator on GMM Explorer's engine) and
    # gmm_explorer.render (the canvas as a PNG) and gmm_explorer.explore (the window on
    # data from Python): imported on first use, so that
    # ``import gmm_explorer`` stays light.
    if name == "GaussianMixture":
        from gmm_explorer.estimator import GaussianMixture

        return GaussianMixture
    if name in ("explore", "Exploration", "ExplorationHandle"):
        from gmm_explorer import exploration

        return getattr(exploration, name)
    if name == "render":
        from gmm_explorer.notebook import render

        return render
    raise AttributeError(f"module 'gmm_explorer' has no attribute {name!r}")
