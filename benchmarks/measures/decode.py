"""``decode``: the SDK's converter per pool, next to pydantic v2 (what the platforms' own SDKs
use) on the same JSON.

Two lists of ``sizes.decode_pools`` distinct pools (5,000 in a full run), as the servers send
them:

* Bland: ``{"status": "success", "data": [pool, ...], "errors": null}``, decoded by
  ``bland_pools._protocol.decode_pools`` from a ``Response`` built from the bytes (as the
  unit tests' ``response()`` does): the envelope checked, each pool a frozen ``DialingPool``
  (timezone-aware ``created_at``, tuple of numbers, ``raw`` kept);
* GoHighLevel: ``{"success": true, "data": [pool, ...], "total": n}``, decoded by
  ``ghl_pools._protocol.decode_page`` into a ``NumberPoolPage`` of ``NumberPool`` (nested
  numbers and inbound call service, ``raw`` kept at every level).

The pydantic side validates the same bytes with ``Model.model_validate_json`` into frozen
models of the same shape (aware datetime, camelCase aliases for GoHighLevel); it keeps no
``raw``. Rounds alternate which side goes first; the figure is the median time per pool, and
pydantic/SDK (above 1: the SDK is faster), for reference: no target. Each timed decode starts
after a full ``gc.collect()`` (the garbage collector stays on: its work is part of the cost).
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from multidict import CIMultiDict, CIMultiDictProxy
from pydantic import AwareDatetime, BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from benchmarks._harness import Outcome, Sizes, log, median_ratio, orders
from bland_pools._protocol import decode_pools
from ghl_pools._protocol import decode_page
from pools_core._protocol import Response

TITLE: Final = "Decoding a pool list: the SDK's converter vs pydantic v2"


# -- pydantic models of the same shape ------------------------------------------------------


class BlandPool(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    owner_id: str
    phone_numbers: tuple[str, ...]
    encrypted_key: str | None = None
    created_at: AwareDatetime


class BlandList(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: str
    data: list[BlandPool]
    errors: Any = None


class _GHLModel(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)


class GHLNumber(_GHLModel):
    phone_number: str | None = None
    friendly_name: str | None = None


class GHLInboundCallService(_GHLModel):
    type: str | None = None
    value: str | None = None


class GHLPool(_GHLModel):
    id: str | None = None
    name: str | None = None
    location_id: str | None = None
    numbers: tuple[GHLNumber, ...] = ()
    forwarding_number: str | None = None
    whisper: bool | None = None
    whisper_message: str | None = None
    call_recording: bool | None = None
    is_active: bool | None = None
    inbound_call_service: GHLInboundCallService | None = None


class GHLPage(_GHLModel):
    success: bool | None = None
    data: list[GHLPool]
    total: int | None = None


# -- the lists ----------------------------------------------------------------------------


def bland_body(count: int) -> bytes:
    start = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    pools = [
        {
            "id": f"550e8400-e29b-41d4-a716-{i:012d}",
            "owner_id": "550e8400-e29b-41d4-a716-446655440002",
            "phone_numbers": [f"+1{2_000_000_000 + 3 * i + k}" for k in range(3)],
            "encrypted_key": None if i % 2 else "550e8400-e29b-41d4-a716-446655440000",
            "created_at": (start + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"),
        }
        for i in range(count)
    ]
    return json.dumps({"status": "success", "data": pools, "errors": None}).encode()


def ghl_body(count: int) -> bytes:
    pools = [
        {
            "id": f"pool{i:016d}",
            "name": f"Pool {i}",
            "locationId": "ve9EPM428h8vShlRW1KT",
            "numbers": [
                {"phoneNumber": f"+1{4_155_550_000 + 2 * i + k}", "friendlyName": f"Line {k}"}
                for k in range(2)
            ],
            "forwardingNumber": "+14155552671",
            "whisper": bool(i % 2),
            "whisperMessage": "Incoming call from sales line",
            "callRecording": True,
            "isActive": True,
            "inboundCallService": {"type": "voice_ai", "value": f"svc{i:020d}"},
        }
        for i in range(count)
    ]
    return json.dumps({"success": True, "data": pools, "total": count}).encode()


def _response(body: bytes, url: str) -> Response:
    headers = CIMultiDictProxy(CIMultiDict({"Content-Type": "application/json"}))
    return Response(200, headers, body, "GET", url)


def run(sizes: Sizes) -> Outcome:
    outcome = Outcome(TITLE, sizes.describe("decode_pools", "decode_rounds"))
    count = sizes.decode_pools
    bland, ghl = bland_body(count), ghl_body(count)
    bland_response = _response(bland, "https://us.api.bland.ai/v1/custom-dialing-pools")
    ghl_response = _response(ghl, "https://services.leadconnectorhq.com/phone-system/number-pools")
    cases: dict[str, dict[str, Callable[[], int]]] = {
        "bland": {
            "sdk": lambda: len(decode_pools(bland_response)),
            "pydantic": lambda: len(BlandList.model_validate_json(bland).data),
        },
        "ghl": {
            "sdk": lambda: len(decode_page(ghl_response)),
            "pydantic": lambda: len(GHLPage.model_validate_json(ghl).data),
        },
    }
    for api, sides in cases.items():
        for name, side in sides.items():  # warm up, and check every pool comes out
            if side() != count:
                raise AssertionError(f"{api} {name} decoded the wrong number of pools")
        seconds: dict[str, list[float]] = {name: [] for name in sides}
        for order in orders(list(sides), sizes.decode_rounds):
            for name in order:
                gc.collect()  # the same heap for every side: a full collection while
                # decoding (thousands of new objects) would land in one round, not another
                started = time.perf_counter()
                sides[name]()
                seconds[name].append(time.perf_counter() - started)
        per_pool = {name: [s / count * 1e6 for s in values] for name, values in seconds.items()}
        sdk_us = statistics.median(per_pool["sdk"])
        pydantic_us = statistics.median(per_pool["pydantic"])
        log(f"  decode {api}: SDK {sdk_us:.2f} us/pool, pydantic {pydantic_us:.2f} us/pool")
        outcome.add(
            api,
            f"Decode {count:,} {'Bland' if api == 'bland' else 'GHL'} pools: "
            "pydantic/SDK time per pool",
            median_ratio(per_pool["pydantic"], per_pool["sdk"]),
            measured={
                "sdk_us_per_pool": round(sdk_us, 3),
                "pydantic_us_per_pool": round(pydantic_us, 3),
                "body_bytes": len(bland if api == "bland" else ghl),
                "rounds": per_pool,
            },
            summary=f"pydantic {pydantic_us:.2f} vs SDK {sdk_us:.2f} us/pool",
        )
    return outcome
