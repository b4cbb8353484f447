"""The window's panels, one per module. Passive views: each builds its widgets, exposes
``update_*`` / ``set_*`` and emits signals saying what the user asks; the window wires
them together.

* :mod:`.controls`: ``ControlsPanel``, model settings, EM buttons and view options.
* :mod:`.likelihood`: ``LikelihoodPanel``, the log-likelihood curve of each branch.
* :mod:`.parameter_table`: ``ParameterTable``, each component's parameters and locks.
* :mod:`.timeline`: ``TimelineBar``, a slider over the iterations of the active branch.
* :mod:`.branches`: ``BranchPanel`` and ``BranchRow``, the branches of the history.
* :mod:`.model_selection`: ``SelectionPanel``, BIC/AIC against K;
  :mod:`.selection_options`: its options form and ``SelectionOptions``.
* :mod:`.optima_gallery`: ``GalleryPanel`` and ``GalleryItem``, the local optima found.
* :mod:`.health`: ``HealthPanel``, numerical health of the components and fixes.
* :mod:`.inspector`: ``InspectorPanel``, the hovered or pinned point.
* :mod:`.ground_truth`: ``GroundTruthPanel``, agreement with known labels.
* :mod:`.widgets`: what they share: ``signals_blocked``, ``branch_style``,
  ``RunControls`` (run, cancel, progress and status) and small helpers.
"""
