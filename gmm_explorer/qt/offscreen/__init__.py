"""Drawing without a window.

* :mod:`.frames`: a mixture over its points painted with ``QPainter`` on a ``QImage``
  (thread-safe): gallery thumbnails and animation frames.
* :mod:`.animation`: the frames of an EM run (its history) and their export as a GIF.
* :mod:`.png`: the canvas grabbed to PNG bytes, for ``gmm-explorer render``.
"""
