"""What each point on the canvas is drawn with: its colour, by the colour mode (the
E-step's blend, its arg-max, or the classification uncertainty), and its marker shape (its
ground-truth class). Qt-free: the canvas asks, for its ``n`` points, what to draw."""

from __future__ import annotations

import numpy as np

from gmm_explorer.drawing import NEUTRAL, NOISE_RGB, PALETTE, uncertainty_colors

#: Marker shape of ground-truth class c is LABEL_SYMBOLS[c % len(LABEL_SYMBOLS)].
LABEL_SYMBOLS = ("o", "s", "t", "d", "star", "+", "x", "h", "p", "t1", "t2", "t3")
COLOR_MODES = ("soft", "hard", "uncertainty")


class PointPaint:
    """The colour mode, and the colours, labels, uncertainty and class codes given to the
    canvas; anything not given, or not matching the points in number, draws neutral."""

    def __init__(self) -> None:
        self.mode = "soft"
        #: Soft colours per point (n, 3) and hard labels (n,), as given; or None.
        self.colors: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self._uncertainty: np.ndarray | None = None
        self._uncertainty_rgb: np.ndarray | None = None  # cache of uncertainty_colors
        self._codes: np.ndarray | None = None
        #: The component colours of hard labels (the canvas's theme sets them).
        self.palette: np.ndarray = PALETTE

    def set_colors(self, colors: np.ndarray | None, labels: np.ndarray | None) -> None:
        """Colours per point (soft) and hard labels; None also forgets the uncertainty."""
        self.colors, self.labels = colors, labels
        if colors is None:
            self._uncertainty = self._uncertainty_rgb = None

    def set_uncertainty(self, u: np.ndarray | None) -> None:
        """``1 - max responsibility`` per point, (n,), or None: floats, or the uint8
        codes of an E-pass's summary (see :func:`~gmm_explorer.drawing.uncertainty_colors`)."""
        # As uncertainty_colors reads them: codes kept as they come (no copy), floats in
        # float32.
        if u is not None:
            u = np.asarray(u)
            u = u if u.dtype == np.uint8 else u.astype(np.float32, copy=False)
        self._uncertainty = u
        self._uncertainty_rgb = None

    @property
    def has_uncertainty(self) -> bool:
        return self._uncertainty is not None

    def set_mode(self, mode: str) -> None:
        """"soft" (blend), "hard" (arg-max) or "uncertainty"."""
        if mode not in COLOR_MODES:
            raise ValueError(f"colour mode must be one of {COLOR_MODES}, got {mode!r}")
        self.mode = mode

    def set_label_codes(self, codes: np.ndarray | None) -> None:
        """Ground-truth class code per point, (n,) int, or None."""
        self._codes = None if codes is None else np.asarray(codes, dtype=np.intp)

    def shapes_shown(self, n: int, markers: bool) -> bool:
        """Whether class shapes are drawn on ``n`` points: codes were given for them and
        the points are ``markers`` (not an image)."""
        c = self._codes
        return c is not None and n > 0 and c.shape[0] == n and markers

    def colors_for(self, n: int) -> np.ndarray:
        """The RGB colour of each of ``n`` points (n, 3) in the current mode."""
        if self.mode == "uncertainty":
            u = self._uncertainty
            if u is None or u.shape[0] != n:
                return np.broadcast_to(NEUTRAL, (n, 3))
            if self._uncertainty_rgb is None:
                self._uncertainty_rgb = uncertainty_colors(u)
            return self._uncertainty_rgb
        if self.colors is None or self.colors.shape[0] != n:
            return np.broadcast_to(NEUTRAL, (n, 3))
        if self.mode == "hard" and self.labels is not None:
            # Label -1: the noise component's point.
            return np.where((self.labels < 0)[:, None], NOISE_RGB,
                            self.palette[self.labels % len(self.palette)])
        return self.colors

    def symbols_for(self, n: int, markers: bool):
        """The marker symbol of each of ``n`` points (an object array), or "o" for all."""
        if not self.shapes_shown(n, markers):
            return "o"
        return np.array(LABEL_SYMBOLS, dtype=object)[self._codes % len(LABEL_SYMBOLS)]
