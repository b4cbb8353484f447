"""Entry point: ``gmm-explorer`` / ``python -m gmm_explorer``."""

import sys


def main() -> int:
    from gmm_explorer.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
