"""The blocking client in a plain script (or a Jupyter cell): create, read, update a pool.

    python examples/sync_quickstart.py --emulator

Without ``--emulator`` it uses ``BLAND_API_KEY`` (and ``BLAND_BASE_URL`` if set).
"""

from __future__ import annotations

import argparse
import asyncio
import threading

from bland_pools import BlandClient, PoolNotFoundError


def run(bland: BlandClient) -> None:
    pool = bland.pools.create(["+12345678901", "+19876543210"])
    print("created", pool.id, pool.phone_numbers)

    pool = bland.pools.update(pool.id, ["+12345678901", "+15551234567"])  # a full replace
    print("updated", pool.phone_numbers, "key:", pool.encrypted_key)

    print("the organization has", len(bland.pools.list()), "pools")
    try:
        bland.pools.get("550e8400-e29b-41d4-a716-446655449999")
    except PoolNotFoundError as exc:
        print("as expected:", exc.code, "-", exc.message)
    # Use it as a custom dialing pool on a call: {"custom_dialing": pool.id, ...}


def main() -> None:
    parser = argparse.ArgumentParser(description="blocking client quick start")
    parser.add_argument("--emulator", action="store_true", help="run against an emulator")
    if not parser.parse_args().emulator:
        with BlandClient() as bland:
            run(bland)
        return

    # The emulator is async; serve it from a background thread for this blocking demo.
    from bland_pools.testing import BlandEmulator

    ready, stop = threading.Event(), threading.Event()
    emulator = BlandEmulator(api_keys=["demo-key"])

    async def serve() -> None:
        async with emulator:
            ready.set()
            await asyncio.to_thread(stop.wait)

    server = threading.Thread(target=asyncio.run, args=(serve(),))
    server.start()
    ready.wait()
    try:
        with BlandClient(api_key="demo-key", base_url=emulator.url) as bland:
            run(bland)
    finally:
        stop.set()
        server.join()


if __name__ == "__main__":
    main()
