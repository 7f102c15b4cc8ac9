"""``BlandEmulator(paths=...)``: both names of the resource by default, on the same pools; one
name only on request, the other's paths then answering like any unknown route (aiohttp's
plain-text 404, logged, never faulted)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bland_pools.testing import BlandEmulator, FaultPlan

KEY = "emu-paths-key"
OLD = "/v1/custom-dialing-pools"
NEW = "/v1/geospatial-dialing-pools"
BODY = {"phone_numbers": ["+12345678901"]}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers={"authorization": KEY}) as session:
        yield session


async def test_both_names_are_served_by_default_on_the_same_pools(
    http: aiohttp.ClientSession,
) -> None:
    async with BlandEmulator(api_keys=[KEY]) as emu:
        assert emu.paths == ("custom-dialing-pools", "geospatial-dialing-pools")
        async with http.post(emu.url + NEW, json=BODY) as resp:
            assert resp.status == 200
            pool = (await resp.json())["data"]
        async with http.get(f"{emu.url}{OLD}/{pool['id']}") as resp:
            assert (await resp.json())["data"] == pool
        async with http.post(f"{emu.url}{OLD}/{pool['id']}/update", json=BODY) as resp:
            assert resp.status == 200
        async with http.delete(f"{emu.url}{NEW}/{pool['id']}") as resp:
            assert (await resp.json())["data"]["deleted_pool_id"] == pool["id"]
        assert emu.pools() == []


@pytest.mark.parametrize(("served", "unknown"), [(NEW, OLD), (OLD, NEW)])
async def test_one_name_only_and_the_other_answers_a_plain_404_never_faulted(
    http: aiohttp.ClientSession, served: str, unknown: str
) -> None:
    pool_id = "550e8400-e29b-41d4-a716-446655440001"
    routes = [
        ("GET", unknown),
        ("POST", unknown),
        ("GET", f"{unknown}/{pool_id}"),
        ("POST", f"{unknown}/{pool_id}/update"),
        ("DELETE", f"{unknown}/{pool_id}"),
    ]
    # Every request to a route it serves would fail; the unknown routes are never faulted.
    plan = FaultPlan(seed=1, server_error=1.0)
    async with BlandEmulator(
        api_keys=[KEY], paths=[served.removeprefix("/v1/")], faults=plan
    ) as emu:
        for method, path in routes:
            async with http.request(method, emu.url + path, json=BODY) as resp:
                assert (resp.status, resp.content_type) == (404, "text/plain")
                assert await resp.text() == "404: Not Found"
        async with http.get(emu.url + served) as resp:
            assert resp.status >= 500  # served, hence faulted

    assert [(r.method, r.path, r.status, r.fault) for r in emu.requests] == [
        *[(method, path, 404, None) for method, path in routes],
        ("GET", served, emu.requests[-1].status, "server_error"),
    ]


@pytest.mark.parametrize(
    "paths", [[], ["geospatial"], ["/v1/geospatial-dialing-pools"], ["custom-dialing-pools", "x"]]
)
def test_paths_name_one_or_both_of_the_resource_names(paths: list[str]) -> None:
    with pytest.raises(ValueError, match="paths must name custom-dialing-pools and/or"):
        BlandEmulator(api_keys=[KEY], paths=paths)


def test_one_name_may_be_given_as_a_string() -> None:
    assert BlandEmulator(api_keys=[KEY], paths="geospatial-dialing-pools").paths == (
        "geospatial-dialing-pools",
    )
