"""PyInstaller entry script: the bundle's ``gmm-explorer`` runs
``gmm_explorer.__main__:main``, as the installed one does (the window with no command or a
data file; ``fit``, ``select``, ``sample``, ``render`` through :mod:`gmm_explorer.cli`)."""

import sys

from gmm_explorer.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
