"""``POOLS_CORE_PORTABLE=1``: use only public interpreter and attrs APIs.

A few hot paths use private CPython and attrs APIs for speed (ARCHITECTURE.md, "Private APIs
and their fallbacks"). Each checks at import that its API is there and behaves as expected,
and falls back to a public one otherwise. Setting this variable (read once, at import) takes
every public fallback at once: slower, the same behaviour. The tests use it to run them.
"""

from __future__ import annotations

import os
from typing import Final

__all__ = ["PORTABLE"]

PORTABLE: Final = os.environ.get("POOLS_CORE_PORTABLE") == "1"
