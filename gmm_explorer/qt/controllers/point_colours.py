"""The points' colours: the responsibilities the canvas shows, and which state's colours
are still wanted while the EM worker is busy (scrubbing fast asks only for the last)."""

from __future__ import annotations

import numpy as np

from gmm_explorer import engine as E


class PointColours:
    """Drives the canvas's point colours for the run controller (no Qt objects of its
    own). ``labels`` are the hard labels shown now (None: neutral points)."""

    def __init__(self, canvas) -> None:
        self.canvas = canvas
        self.labels: np.ndarray | None = None
        #: The mixture whose responsibilities are wanted (a scrub, a restored session).
        self.source: E.Mixture | None = None
        self.pending = False

    def show(self, colors, labels, uncertainty=None) -> None:
        """Colour the points (None: neutral, and the uncertainty is forgotten too; an
        uncertainty of None with colours: not made for these colours, none shown)."""
        self.labels = labels
        self.canvas.set_colors(colors, labels)
        if colors is not None:
            self.canvas.set_uncertainty(uncertainty)

    @property
    def wants_uncertainty(self) -> bool:
        """The view colours by uncertainty: the worker's colours should include it
        (otherwise its summaries leave it out, 1 byte a point fewer)."""
        return self.canvas.color_mode == "uncertainty"

    @property
    def lacks_uncertainty(self) -> bool:
        """The view colours by uncertainty, but the colours shown came without it."""
        return (self.wants_uncertainty and self.labels is not None
                and not self.canvas.has_uncertainty)

    def show_result(self, result) -> None:
        """Colour the points as an EM result says: neutral (a new start), by its
        responsibilities, or (it carries none) as they are."""
        if result.neutral:
            self.show(None, None)
        elif result.colors is not None:
            self.show(result.colors, result.labels, result.uncertainty)

    def want(self, mixture: E.Mixture | None) -> None:
        """The colours of ``mixture``'s responsibilities are wanted (None: neutral now)."""
        self.source, self.pending = mixture, mixture is not None
        if mixture is None:
            self.show(None, None)

    def want_for_displayed(self, session) -> None:
        """Colour as the displayed state was shown when it was made: by the
        responsibilities of the E-step before it (after an E-step, its own)."""
        i = session.current_index
        if session.phase == "E" and session.current is not None:
            self.want(session.current.mixture)
        else:
            self.want(session.history[i - 1].mixture if i > 0 else None)

    def take_request(self) -> E.Mixture | None:
        """The mixture to ask the worker about now, if one is still wanted."""
        if not self.pending or self.source is None:
            return None
        self.pending = False
        return self.source

    def changed_since(self, labels) -> int | None:
        """How many points would change their colour's component to ``labels`` (None when
        the points are neutral now)."""
        if labels is None or self.labels is None or self.labels.shape != labels.shape:
            return None
        return int(np.count_nonzero(self.labels != labels))
