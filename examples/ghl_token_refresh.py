"""GoHighLevel with an OAuth token that expires daily: pass a token provider.

    python examples/ghl_token_refresh.py --emulator

The provider is called for every request (cache inside it) and once more after a 401, so a
token that expired in flight is replaced without the caller noticing. The client also paces
requests per location under GoHighLevel's burst limit and shows the latest rate-limit figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from ghl_pools import AsyncGHLClient


class TokenStore:
    """Stands in for your OAuth storage: returns the current token, refreshing when told."""

    def __init__(self, tokens: list[str]) -> None:
        self._tokens = tokens
        self.calls = 0

    async def __call__(self) -> str:
        # A real one would read a cache, and refresh with the refresh token when expired.
        token = self._tokens[min(self.calls, len(self._tokens) - 1)]
        self.calls += 1
        return token


async def run(ghl: AsyncGHLClient, location_id: str | None) -> None:
    page = await ghl.pools.list(location_id=location_id)
    for pool in page:
        numbers = ", ".join(n.phone_number or "?" for n in pool.numbers)
        print(f"{pool.name}: {numbers} (active: {pool.is_active})")
    print(f"{len(page)} pools, the server says total={page.total}")
    print("rate limit now:", ghl.rate_limit)


async def main() -> None:
    parser = argparse.ArgumentParser(description="GoHighLevel token provider demo")
    parser.add_argument("--emulator", action="store_true", help="run against an emulator")
    args = parser.parse_args()
    if not args.emulator:
        store = TokenStore([os.environ["GHL_ACCESS_TOKEN"]])
        async with AsyncGHLClient(token=store) as ghl:
            await run(ghl, os.environ.get("GHL_LOCATION_ID"))
        return

    from ghl_pools.testing import GHLEmulator

    location = "ve9EPM428h8vShlRW1KT"
    async with GHLEmulator(tokens={"fresh-token": [location]}) as emu:
        emu.seed_samples()
        store = TokenStore(["expired-token", "fresh-token"])  # the first one is refused
        async with AsyncGHLClient(token=store, base_url=emu.url) as ghl:
            await run(ghl, location)
        print(f"the token provider was called {store.calls} times (one 401, then refreshed)")


if __name__ == "__main__":
    asyncio.run(main())
