"""PyInstaller entry script: the bundle's ``gmm-explorer`` runs
``gmm_explorer.__main__:run``, as the installed one does (the window with no command or a
data file; ``fit``, ``select``, ``sample``, ``render`` through :mod:`gmm_explorer.cli`)."""

from gmm_explorer.__main__ import run

if __name__ == "__main__":
    run()
