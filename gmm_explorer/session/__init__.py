"""The Qt-free state of one exploration (see :mod:`gmm_explorer.session.session`).

* ``settings``: :class:`ModelSettings`, what the user chooses about the model;
* ``points``: the undoable edits of the point set;
* ``history``: branches of EM states, scrubbing, replay and fork;
* ``events``: the observer views subscribe to;
* ``session``: :class:`Session`, which composes them and owns every rule about its state.
"""

from gmm_explorer.session.history import Branch
from gmm_explorer.session.session import Session
from gmm_explorer.session.settings import MAX_K, ModelSettings

__all__ = ["Branch", "MAX_K", "ModelSettings", "Session"]
