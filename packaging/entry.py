"""PyInstaller entry script: the bundle's ``gmm-explorer`` runs ``gmm_explorer.cli:main``
(the window with no command or a data file; ``fit``, ``select``, ``sample``, ``render``)."""

import sys

from gmm_explorer.cli import main

if __name__ == "__main__":
    sys.exit(main())
