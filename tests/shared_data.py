"""Where the public benchmark data with published optima is found (OR-Library, GSM instances).

The data lives in ``shared/data`` beside the checkout (``../shared/data``); a clone elsewhere
finds it through ``$SUPPLYNET_SHARED_DATA`` or at ``/work/shared/data``, so that the tests
reproducing published optima run instead of being skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

BESIDE_CHECKOUT = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data(name: str) -> Path:
    """The folder ``name`` (e.g. "orlib", "gsm") of the first shared data root that has it."""
    roots = [os.environ.get("SUPPLYNET_SHARED_DATA"), BESIDE_CHECKOUT, "/work/shared/data"]
    for root in roots:
        if root and (Path(root) / name).is_dir():
            return Path(root) / name
    return BESIDE_CHECKOUT / name
