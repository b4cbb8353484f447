"""The main plot and its parts.

* :mod:`.canvas`: :class:`~.canvas.Canvas`, the passive plot the window pushes state into.
* :mod:`.view_box`: :class:`~.view_box.EditViewBox`, the mouse bindings and their signals.
* :mod:`.hit_test`: which component part or point lies under the mouse (numpy only).
* :mod:`.overlays`: the layers of pyqtgraph items: points, density, decision regions,
  k-means, hover and pin markers.
* :mod:`.components`: each component's ellipses, mean, handles and health warning.
* :mod:`.layers`: all the layers as one bundle, and their stacking order.
* :mod:`.ghosts`: after an M-step, the previous state's ellipses and arrows to the new means.
* :mod:`.hint`: the hint centred over the plot (an empty canvas says what to do).
* :mod:`.point_paint`: each point's colour (by the colour mode) and shape (numpy only).
* :mod:`.presentation_style`: the canvas's look in presentation mode (F5).
"""
