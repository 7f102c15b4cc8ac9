"""The SDK's benchmark suite: ``python -m benchmarks`` (from the repository root).

Runs every measure (``bland_get``, ``ghl_list``, ``blocking``, ``bulk``, ``bulk_memory``,
``ghl_export``, ``decode``), prints one table, writes ``benchmarks/results.json`` and draws
``benchmarks/results.png``. Every figure is a ratio against a baseline measured in the same
run against the same local server. See ``benchmarks/README.md``.

Importing this package is cheap: each measure, and matplotlib, is imported when it runs.
"""
