"""``python -m supplynet``: the same as the ``supplynet`` command."""

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
