"""An in-process emulator of GoHighLevel's number-pool list.

Route: ``GET /phone-system/number-pools?locationId=<id>``. Success is
``{"success": true, "data": [NumberPoolDto, ...], "total": <len(data)>}`` in camelCase.

Checks, in this order, and what each answers (the ``message`` of a 400 or 429 is the
emulator's own unless the docs give one):

    ====  ==============================================================================
    401   no ``Authorization: Bearer <token>``, or an unknown token; no body
    429   the token passed ``rate_limit`` requests per ``rate_interval`` seconds for this
          location (sliding window), or ``daily_limit`` today (UTC); NestJS body
          ``{"message": "Too Many Requests", "error": "Too Many Requests",
          "statusCode": 429}``, no ``Retry-After`` (GoHighLevel documents none)
    400   ``Version`` missing or not ``2021-07-28`` / ``v3``: NestJS body
          ``{"message": "Version header is required" | "Unsupported Version header ...",
          "error": "Bad Request", "statusCode": 400}``
    400   ``locationId`` not 1 to 128 letters, digits, ``_`` or ``-`` (an empty one too):
          ``{"message": "Invalid locationId format", "error": "Bad Request",
          "statusCode": 400}`` (the docs' body)
    403   a location the token may not see; no body
    200   the location's pools (creation order)
    ====  ==============================================================================

Without ``locationId`` the token's own location (the first of its list) is used. Each
token's rate limit is counted per (token, location): every request with a known token
counts, whatever it answers, unless it is refused with 429. Every answer, 401 and 429
included, carries ``X-RateLimit-Max``, ``X-RateLimit-Remaining``,
``X-RateLimit-Interval-Milliseconds``, ``X-RateLimit-Limit-Daily`` and
``X-RateLimit-Daily-Remaining`` (a 401's figures are read, not counted). Staged faults carry
them too, except ``html_error``, which stands for a proxy in front of the API and sends its
page alone; the ``rate_limited`` fault adds ``Retry-After``. A ``server_error`` fault answers
``{"message": <status phrase>, "error": <status phrase>, "statusCode": <status>}``.
"""

from __future__ import annotations

import collections
import random
import re
import secrets
import string
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import Any, Final, Protocol

import attrs
from aiohttp import web

from pools_core.testing import EmulatorBase, FaultPlan

__all__ = [
    "ACCEPTED_VERSIONS",
    "DEFAULT_LOCATION_ID",
    "DEFAULT_TOKEN",
    "MSG_INVALID_LOCATION_ID",
    "GHLEmulator",
]

NUMBER_POOLS_PATH: Final = "/phone-system/number-pools"
DEFAULT_TOKEN: Final = "ghl-emulator-token"
#: The docs' example location id.
DEFAULT_LOCATION_ID: Final = "ve9EPM428h8vShlRW1KT"
ACCEPTED_VERSIONS: Final = frozenset({"2021-07-28", "v3"})
MSG_INVALID_LOCATION_ID: Final = "Invalid locationId format"
_LOCATION_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,128}")
_ID_CHARS: Final = string.ascii_letters + string.digits


class _Monotonic(Protocol):
    def monotonic(self) -> float: ...


@attrs.define
class _Quota:
    """One (token, location)'s counts: the arrival times within the interval, and today's."""

    day: date
    arrivals: collections.deque[float] = attrs.Factory(collections.deque)
    used_today: int = 0


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _nest(status: int, message: str, headers: Mapping[str, str]) -> web.Response:
    """A NestJS error body, as GoHighLevel sends them."""
    body = {"message": message, "error": HTTPStatus(status).phrase, "statusCode": status}
    return web.json_response(body, status=status, headers=headers)


def _new_id() -> str:
    return "".join(secrets.choice(_ID_CHARS) for _ in range(20))


def _sample_id(location_id: str, n: int) -> str:
    """A stable id for sample ``n`` of a location: every ``--emulator`` run shows the same."""
    rng = random.Random(f"ghl-emulator:{location_id}:sample:{n}")
    return "".join(rng.choice(_ID_CHARS) for _ in range(20))


def _sample_numbers(location_id: str, numbers: list[str]) -> list[str]:
    """The docs' numbers for the docs' location; stable numbers of its own for any other (a
    number is in one location's pools only)."""
    if location_id == DEFAULT_LOCATION_ID:
        return numbers
    rng = random.Random(f"ghl-emulator:{location_id}:numbers")
    return [
        f"+1{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        for _ in numbers
    ]


class GHLEmulator(EmulatorBase):
    """GoHighLevel's ``GET /phone-system/number-pools`` on ``127.0.0.1`` (see the module
    docstring).

    Args:
        tokens: each access token and the locations it may see; the first is its own (used
            when a request names no location).
        host, port: where to listen (port 0: a free one).
        faults: a random :class:`FaultPlan` (default: none).
        rate_limit, rate_interval: the burst limit per token and location (GoHighLevel: 100
            per 10 seconds).
        daily_limit: requests per token and location per UTC day (GoHighLevel: 200,000).
        clock: what the rate window counts by (an object with ``monotonic()``); share a
            ``FakeClock`` with the client to test pacing without waiting.
        log_limit, log_body_limit: how many requests the log keeps, and the largest body it
            keeps of each.
    """

    def __init__(
        self,
        tokens: Mapping[str, Sequence[str]] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        rate_limit: int = 100,
        rate_interval: float = 10.0,
        daily_limit: int = 200_000,
        clock: _Monotonic | None = None,
        log_limit: int = 10_000,
        log_body_limit: int = 64 * 1024,
    ) -> None:
        super().__init__(
            host=host,
            port=port,
            faults=faults,
            log_limit=log_limit,
            log_body_limit=log_body_limit,
        )
        if tokens is None:
            tokens = {DEFAULT_TOKEN: [DEFAULT_LOCATION_ID]}
        if not isinstance(tokens, Mapping) or not tokens:
            raise ValueError("tokens must map at least one token to its locations")
        self._tokens: dict[str, list[str]] = {}
        for token, locations in tokens.items():
            if not isinstance(token, str) or not token:
                raise ValueError(f"a token must be a non-empty string, got {token!r}")
            if isinstance(locations, str):
                raise TypeError(f"the locations of a token must be a list, got {locations!r}")
            listed = list(locations)
            bad = [loc for loc in listed if not _LOCATION_ID.fullmatch(str(loc))]
            if not listed or bad:
                raise ValueError(f"each token needs valid location ids, got {listed!r}")
            self._tokens[token] = listed
        if rate_limit < 1 or rate_interval <= 0 or daily_limit < 1:
            raise ValueError("rate_limit >= 1, rate_interval > 0 and daily_limit >= 1 needed")
        self.rate_limit = rate_limit
        self.rate_interval = float(rate_interval)
        self.daily_limit = daily_limit
        self._clock = time.monotonic if clock is None else clock.monotonic
        self._pools: dict[str, list[dict[str, Any]]] = {}
        self._quotas: dict[tuple[str, str], _Quota] = {}

    # -- seeding and inspection ----------------------------------------------------------

    @property
    def token(self) -> str:
        """The first token."""
        return next(iter(self._tokens))

    @property
    def location_id(self) -> str:
        """The first token's own location."""
        return self._tokens[self.token][0]

    def add_pool(
        self,
        location_id: str,
        *,
        name: str | None = None,
        numbers: Iterable[tuple[str, str] | Mapping[str, Any]] = (),
        pool_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Store a pool in ``location_id`` and return a copy (camelCase, as the API sends it).

        ``numbers`` are ``(phone_number, friendly_name)`` pairs or ready dicts; ``fields``
        are any other ``NumberPoolDto`` fields, snake_case or camelCase
        (``forwarding_number="+14155552671"``, ``inbound_call_service={"type": ...}``).
        Unset, ``whisper`` and ``callRecording`` are false, ``isActive`` true and
        ``inboundCallService`` null.
        """
        pool: dict[str, Any] = {
            "id": pool_id or _new_id(),
            "name": name,
            "locationId": location_id,
            "numbers": [
                dict(n) if isinstance(n, Mapping) else {"phoneNumber": n[0], "friendlyName": n[1]}
                for n in numbers
            ],
            "whisper": False,
            "callRecording": False,
            "isActive": True,
            "inboundCallService": None,
        }
        pool.update({_camel(key): value for key, value in fields.items()})
        self._pools.setdefault(location_id, []).append(pool)
        return _copy(pool)

    def seed_samples(self, location_id: str | None = None) -> list[dict[str, Any]]:
        """Add three realistic pools (the first is the docs' example) to ``location_id``
        (default: the first token's own location); returns them. Their ids, and outside the
        docs' location their numbers, are derived from the location, so every run shows the
        same and no number is in two locations."""
        loc = self.location_id if location_id is None else location_id
        sales, support_1, support_2, campaign = _sample_numbers(
            loc, ["+14155552671", "+14155550100", "+14155550101", "+12125550147"]
        )
        return [
            self.add_pool(
                loc,
                pool_id=_sample_id(loc, 1),
                name="Sales Team Pool",
                numbers=[(sales, "Sales Line 1")],
                forwarding_number="+14155552671",
                whisper=True,
                whisper_message="Incoming call from sales line",
                call_recording=True,
                inbound_call_service={"type": "voice_ai", "value": "68e381b296a83800a27cd1"},
            ),
            self.add_pool(
                loc,
                pool_id=_sample_id(loc, 2),
                name="Support Pool",
                numbers=[(support_1, "Support 1"), (support_2, "Support 2")],
                forwarding_number="+14155550199",
                call_recording=True,
            ),
            self.add_pool(
                loc,
                pool_id=_sample_id(loc, 3),
                name="Spring Campaign",
                numbers=[(campaign, "Campaign Line")],
                forwarding_number="+12125550100",
                is_active=False,
            ),
        ]

    def pools(self, location_id: str | None = None) -> list[dict[str, Any]]:
        """Copies of the pools of ``location_id`` (default: the first token's own)."""
        loc = self.location_id if location_id is None else location_id
        return [_copy(p) for p in self._pools.get(loc, [])]

    def _clear_state(self) -> None:
        self._pools.clear()
        self._quotas.clear()

    def _snapshot(self) -> Any:
        return {loc: [_copy(p) for p in pools] for loc, pools in self._pools.items()}

    # -- rate limit ------------------------------------------------------------------------

    def _figures(self, key: tuple[str, str], *, count: bool) -> tuple[bool, dict[str, str]]:
        """Whether ``key`` may make one more request (and, with ``count``, book it), and the
        ``X-RateLimit-*`` headers after that."""
        quota = self._quotas.get(key)
        if quota is None:
            quota = _Quota(datetime.now(UTC).date())
            if count:
                self._quotas[key] = quota
        now = self._clock()
        arrivals = quota.arrivals
        while arrivals and arrivals[0] <= now - self.rate_interval:
            arrivals.popleft()
        today = datetime.now(UTC).date()
        if quota.day != today:
            quota.day, quota.used_today = today, 0
        allowed = len(arrivals) < self.rate_limit and quota.used_today < self.daily_limit
        if count and allowed:
            arrivals.append(now)
            quota.used_today += 1
        return allowed, {
            "X-RateLimit-Max": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - len(arrivals))),
            "X-RateLimit-Interval-Milliseconds": str(round(self.rate_interval * 1000)),
            "X-RateLimit-Limit-Daily": str(self.daily_limit),
            "X-RateLimit-Daily-Remaining": str(max(0, self.daily_limit - quota.used_today)),
        }

    def _key(self, request: web.Request) -> tuple[str, str]:
        """(token, location) of a request: the bearer token ("" if none) and the location
        asked for, else the token's own ("" for an unknown token)."""
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        location = request.query.get("locationId")
        if location is None:
            own = self._tokens.get(token)
            location = own[0] if own else ""
        return token, location

    def _fault_headers(self, request: web.Request) -> Mapping[str, str]:
        return self._figures(self._key(request), count=False)[1]

    # -- the API ---------------------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get(NUMBER_POOLS_PATH, self._list)

    def _error_response(
        self, request: web.Request, status: int, headers: Mapping[str, str]
    ) -> web.Response:
        return _nest(status, HTTPStatus(status).phrase, headers)

    async def _list(self, request: web.Request) -> web.Response:
        key = token, location = self._key(request)
        if token not in self._tokens:
            return web.Response(status=401, headers=self._figures(key, count=False)[1])
        allowed, headers = self._figures(key, count=True)
        if not allowed:
            return _nest(429, "Too Many Requests", headers)
        version = request.headers.get("Version")
        if version is None:
            return _nest(400, "Version header is required", headers)
        if version not in ACCEPTED_VERSIONS:
            expected = " or ".join(sorted(ACCEPTED_VERSIONS))
            return _nest(
                400, f"Unsupported Version header {version!r:.40}; use {expected}", headers
            )
        if not _LOCATION_ID.fullmatch(location):
            return _nest(400, MSG_INVALID_LOCATION_ID, headers)
        if location not in self._tokens[token]:
            return web.Response(status=403, headers=headers)
        pools = self._pools.get(location, [])
        body = {"success": True, "data": pools, "total": len(pools)}
        return web.json_response(body, headers=headers)


def _copy(pool: Mapping[str, Any]) -> dict[str, Any]:
    return {**pool, "numbers": [dict(n) for n in pool.get("numbers") or []]}
