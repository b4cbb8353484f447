"""GMM Explorer: explore Gaussian mixture models fitted to 2-D data.

Layers (dependencies run one way): ``engine`` <- ``io`` <- ``session`` <- ``cli`` and ``qt``.
``engine`` and ``io`` never import Qt.
"""

__version__ = "0.1.0"
