"""A manifest written by 0.2.0 (``tests/fixtures/bland/manifest-0.2.0.db``: schema 1, two
done keys, one failed, one open create intent) serves a 0.3.0 job: a dry run reads it without
changing a byte, the first run migrates it to schema 2, keeps every key's pool, settles the
open intent, and sends the old failure again (0.2.0 recorded no class for it); then a
permanent failure is recorded with its class and input."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from bland_pools import AsyncBlandClient
from bland_pools.provision import SQLiteManifest, provision
from bland_pools.testing import BlandEmulator

KEY = "sk-migration-test-key"
CRED = "550e8400-e29b-41d4-a716-446655440000"
UNKNOWN = "0b7a4f7e-3f0a-4c55-9d1e-6c2f1b8e9a10"
OLD = Path(__file__).resolve().parents[1] / "fixtures" / "bland" / "manifest-0.2.0.db"
EAST = "550e8400-e29b-41d4-a716-446655440011"
WEST = "550e8400-e29b-41d4-a716-446655440012"

WANTED = [
    {"pool": "east", "phone_numbers": ["+13125550101", "+13125550102"], "encrypted_key": CRED},
    {"pool": "west", "phone_numbers": ["+14155550103"]},
    {"pool": "stranger", "phone_numbers": ["+13125550109"], "encrypted_key": UNKNOWN},
    {"pool": "north", "phone_numbers": ["+12125550104"]},
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_0_2_0_manifest_is_planned_read_only_then_migrated_by_a_run(
    tmp_path: Path,
) -> None:
    manifest = tmp_path / "old.db"
    shutil.copyfile(OLD, manifest)
    before = digest(manifest)
    async with BlandEmulator(api_keys={KEY: [CRED]}) as emu:
        emu.add_pool(KEY, ["+13125550101", "+13125550102"], CRED, pool_id=EAST)
        emu.add_pool(KEY, ["+14155550103"], pool_id=WEST)
        north = emu.add_pool(KEY, ["+12125550104"])  # the interrupted create went through
        async with AsyncBlandClient(api_key=KEY, base_url=emu.url, max_retries=0) as client:
            planned = await provision(WANTED, manifest=manifest, client=client, dry_run=True)
            assert digest(manifest) == before  # a dry run does not migrate
            report = await provision(WANTED, manifest=manifest, client=client)
            again = await provision(WANTED, manifest=manifest, client=client)
        creates = [r.json for r in emu.requests if r.method == "POST"]

    assert planned.plan.count("unchanged") == 3  # east, west, and north (settled in memory)
    assert planned.plan.count("create") == 1
    outcomes = {r.key: r.outcome for r in report.results}
    assert outcomes == {
        "east": "unchanged",
        "west": "unchanged",
        "stranger": "failed",
        "north": "unchanged",
    }
    assert any(north["id"] in note for note in report.settled)
    # 0.2.0's failure had no class: sent once by the run, then skipped as permanent.
    assert creates == [{"phone_numbers": ["+13125550109"], "encrypted_key": UNKNOWN}]
    assert [(r.key, r.outcome) for r in again.skipped] == [("stranger", "skipped")]
    with SQLiteManifest(manifest, read_only=True) as store:
        assert store.meta("schema") == "2"
        entries = {e.key: e for e in store.entries()}
    assert entries["east"].pool_id == EAST
    assert entries["north"].pool_id == north["id"]
    assert (entries["stranger"].failure, entries["stranger"].failed_key) == ("permanent", UNKNOWN)
