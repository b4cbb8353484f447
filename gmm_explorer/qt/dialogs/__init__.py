"""The window's dialogs, one per module. Each is a passive view that returns what the user
chose; the controller that opened it acts on it.

* :mod:`.column_picker`: ``ColumnPickerDialog`` and the frozen ``ColumnChoice`` it returns,
  choosing the X, Y and label columns of a text table before loading it; ``ask_columns``.
* :mod:`.generate_data`: ``GenerateDialog``, a synthetic data set's kind, N, K and seed.
* :mod:`.sample_from_model`: ``SampleDialog``, drawing N points from the current mixture.
"""
