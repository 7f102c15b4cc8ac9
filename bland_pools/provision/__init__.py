"""Bulk provisioning: turn a file of pools into exactly those pools in Bland, resumably.

    from bland_pools.provision import provision

    report = await provision("pools.csv", manifest="pools.db", concurrency=8, rate=5)
    print(report.plan.summary(), report.count("created"), report.failed)

The input names each pool by a key of your choosing (Bland pools have no name): a CSV with
``pool,phone_number[,encrypted_key]`` (one row per number), JSON Lines
``{"pool": ..., "phone_numbers": [...], "encrypted_key": ...}``, or Python objects. A SQLite
manifest ties each key to its pool. The job can be killed at any instant and run again: it
settles what was in flight, adopts pools that already exist, and sends only what is left.
On the command line: ``bland-pools provision FILE --manifest PATH``.
"""

from ._engine import KeyResult, Outcome, Progress, Report, provision
from ._input import (
    DesiredPool,
    InputError,
    InputProblem,
    desired_from,
    read_csv,
    read_desired,
    read_jsonl,
)
from ._manifest import (
    ManifestEntry,
    ManifestError,
    ManifestLockedError,
    ManifestStore,
    ManifestUnusableError,
    SQLiteManifest,
    manifest_path,
)
from ._plan import Action, Plan, PruneRefusedError, make_plan

__all__ = [
    "Action",
    "DesiredPool",
    "InputError",
    "InputProblem",
    "KeyResult",
    "ManifestEntry",
    "ManifestError",
    "ManifestLockedError",
    "ManifestStore",
    "ManifestUnusableError",
    "Outcome",
    "Plan",
    "Progress",
    "PruneRefusedError",
    "Report",
    "SQLiteManifest",
    "desired_from",
    "make_plan",
    "manifest_path",
    "provision",
    "read_csv",
    "read_desired",
    "read_jsonl",
]
