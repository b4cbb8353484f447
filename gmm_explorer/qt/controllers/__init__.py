"""Controllers: each acts on the session for one concern and drives the widgets it is
given (never the whole window). See ``gmm_explorer/ARCHITECTURE.md``."""
