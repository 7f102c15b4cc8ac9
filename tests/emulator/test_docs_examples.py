"""The docs' own request examples, replayed against the emulators.

The Bland snippets below are the seeds' Python examples character for character (checked
against the docs when they were copied in); only the base URL and
``YOUR_API_KEY`` are swapped for the emulator's. They run in a thread (``requests`` blocks)
while the emulator keeps serving on the test's event loop.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import requests

from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator

from .conftest import CRED_A, KEY_A

DOC_POOL_ID = "550e8400-e29b-41d4-a716-446655440001"
DOC_KEY = "550e8400-e29b-41d4-a716-446655440000"
CREATED_AT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

GET_EXAMPLE = """\
import requests

pool_id = "550e8400-e29b-41d4-a716-446655440001"
url = f"https://us.api.bland.ai/v1/custom-dialing-pools/{pool_id}"
headers = {
    "Authorization": "YOUR_API_KEY"
}

response = requests.get(url, headers=headers)
print(response.json())
"""

CREATE_EXAMPLE = """\
import requests

url = "https://us.api.bland.ai/v1/custom-dialing-pools"
headers = {
    "Authorization": "YOUR_API_KEY",
    "Content-Type": "application/json"
}
data = {
    "phone_numbers": ["+12345678901", "+19876543210", "+15551234567"],
    "encrypted_key": "550e8400-e29b-41d4-a716-446655440000"
}

response = requests.post(url, headers=headers, json=data)
print(response.json())
"""

UPDATE_EXAMPLE = """\
import requests

pool_id = "550e8400-e29b-41d4-a716-446655440001"
url = f"https://us.api.bland.ai/v1/custom-dialing-pools/{pool_id}/update"
headers = {
    "Authorization": "YOUR_API_KEY",
    "Content-Type": "application/json"
}
data = {
    "phone_numbers": ["+12345678901", "+19876543210", "+15551234567", "+17775551234"],
    "encrypted_key": "550e8400-e29b-41d4-a716-446655440000"
}

response = requests.post(url, headers=headers, json=data)
print(response.json())
"""

EXAMPLES = {
    "000_0ffa33852a8e215d.txt": GET_EXAMPLE,
    "001_2e6715210d2a8d3b.txt": CREATE_EXAMPLE,
    "002_a7492a35fb41dfc0.txt": UPDATE_EXAMPLE,
}


def _run(example: str, base_url: str, api_key: str) -> list[Any]:
    """Run a docs example pointed at ``base_url``; what it printed."""
    code = example.replace("https://us.api.bland.ai", base_url).replace("YOUR_API_KEY", api_key)
    assert code.count(base_url) == 1
    printed: list[Any] = []
    exec(compile(code, "<docs example>", "exec"), {"print": printed.append})
    return printed


def _assert_documented_pool(answer: Any, numbers: list[str]) -> dict[str, Any]:
    assert set(answer) == {"status", "data", "errors"}
    assert (answer["status"], answer["errors"]) == ("success", None)
    pool: dict[str, Any] = answer["data"]
    assert set(pool) == {"id", "owner_id", "phone_numbers", "encrypted_key", "created_at"}
    uuid.UUID(pool["id"])
    uuid.UUID(pool["owner_id"])
    assert pool["phone_numbers"] == numbers
    assert pool["encrypted_key"] == DOC_KEY
    assert CREATED_AT.fullmatch(pool["created_at"])
    return pool


async def test_the_bland_docs_examples_work_against_the_emulator() -> None:
    async with BlandEmulator(api_keys={KEY_A: [CRED_A]}) as emu:
        assert CRED_A == DOC_KEY
        emu.add_pool(KEY_A, ["+12345678901"], pool_id=DOC_POOL_ID)

        (created,) = await asyncio.to_thread(_run, CREATE_EXAMPLE, emu.url, KEY_A)
        pool = _assert_documented_pool(created, ["+12345678901", "+19876543210", "+15551234567"])
        assert pool["id"] != DOC_POOL_ID

        (updated,) = await asyncio.to_thread(_run, UPDATE_EXAMPLE, emu.url, KEY_A)
        numbers = ["+12345678901", "+19876543210", "+15551234567", "+17775551234"]
        assert _assert_documented_pool(updated, numbers)["id"] == DOC_POOL_ID

        (got,) = await asyncio.to_thread(_run, GET_EXAMPLE, emu.url, KEY_A)
        assert got == updated

        (refused,) = await asyncio.to_thread(_run, GET_EXAMPLE, emu.url, "someone-else")
        assert refused["errors"][0]["error"] == "UNAUTHORIZED"


def _curl_example(base_url: str, token: str, **extra_headers: str) -> requests.Response:
    """The docs' cURL example (``curl -L URL -H 'Accept: application/json' -H
    'Authorization: Bearer <TOKEN>'``), sent with ``requests``."""
    return requests.get(
        f"{base_url}/phone-system/number-pools",
        headers={"Accept": "application/json", "Authorization": f"Bearer {token}", **extra_headers},
        allow_redirects=True,
        timeout=10,
    )


async def test_the_ghl_docs_example() -> None:
    async with GHLEmulator(tokens={"tok-1": ["loc123"]}) as emu:
        emu.seed_samples()
        # The docs' cURL leaves out the Version header the same page marks required.
        bare = await asyncio.to_thread(_curl_example, emu.url, "tok-1")
        assert bare.status_code == 400
        assert bare.json()["message"] == "Version header is required"

        answer = await asyncio.to_thread(_curl_example, emu.url, "tok-1", Version="2021-07-28")
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"success", "data", "total"}
        assert body["success"] is True
        assert body["total"] == len(body["data"]) == 3
        documented = {
            "id",
            "name",
            "locationId",
            "numbers",
            "forwardingNumber",
            "whisper",
            "whisperMessage",
            "callRecording",
            "isActive",
            "inboundCallService",
        }
        first = body["data"][0]
        assert set(first) == documented
        assert first["locationId"] == "loc123"
        assert set(first["numbers"][0]) == {"phoneNumber", "friendlyName"}
        assert set(first["inboundCallService"]) == {"type", "value"}
        assert all(set(pool) <= documented for pool in body["data"])
