"""``python -m benchmarks [--smoke] [--only NAME] [--out DIR]``: see ``benchmarks/README.md``."""

from __future__ import annotations

import sys

from benchmarks._suite import main

if __name__ == "__main__":
    sys.exit(main())
