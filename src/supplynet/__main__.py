"""``python -m supplynet``: the same as the ``supplynet`` command."""

import sys

from .cli.main import main

sys.exit(main())
