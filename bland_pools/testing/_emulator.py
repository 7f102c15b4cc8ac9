"""An in-process emulator of Bland's custom dialing pools API.

Routes (the docs' paths; every answer is the envelope
``{"status": "success"|"error", "data": ..., "errors": null|[{"error", "message"}]}``):

    GET  /v1/custom-dialing-pools                    the organization's pools, creation order
    GET  /v1/custom-dialing-pools/{pool_id}          one pool
    POST /v1/custom-dialing-pools                    create
    POST /v1/custom-dialing-pools/{pool_id}/update   replace the numbers (and the key)
    DELETE /v1/custom-dialing-pools/{pool_id}        delete (answer: no ``status`` field,
                                                     ``data: {message, deleted_pool_id}``)

The same five under ``/v1/geospatial-dialing-pools`` (the name Bland's current docs use for
the same resource), on the same pools. ``paths=`` serves one name only, as an organization
that has only that one sees it: the other's paths are unknown routes, answered like any
unknown path, with aiohttp's plain-text ``404: Not Found`` (``text/plain``, no envelope, no
``POOL_NOT_FOUND``). Bland does not document what an unknown route answers; a plain 404 page is
what a web framework's router gives.

Auth: the ``authorization`` header is the bare API key (no ``Bearer``). Each key is an
organization: it sees only its own pools (another's pool id answers ``POOL_NOT_FOUND``), and
its ``owner_id`` is ``uuid5(NAMESPACE_URL, "bland-emulator:" + key)``, stable across runs.

Statuses (Bland documents body codes only; these are the emulator's choices):

    ======================  ======  ====================================================
    code                    status  when
    ======================  ======  ====================================================
    (success)               200     every success, create included
    UNAUTHORIZED            401     missing or unknown key (checked first)
    INVALID_POOL_ID         400     the path's pool id is not a UUID
    INVALID_REQUEST         400     the body is not a JSON object, or has no
                                    ``phone_numbers`` (message: the emulator's own)
    INVALID_PHONE_NUMBERS   400     not a list, empty, a number other than ``+1`` and
                                    ten ASCII digits, or a number listed twice
    INVALID_CREDENTIALS     400     ``encrypted_key`` is not a UUID, or not one of the
                                    organization's Twilio credentials
    POOL_NOT_FOUND          404     no such pool in this organization (update: checked
                                    after the body)
    TOO_MANY_REQUESTS       429     past ``rate_limit`` requests in a sliding second for
                                    the key (``Retry-After``: whole seconds until one
                                    is free), or the ``rate_limited`` fault
    INTERNAL_SERVER_ERROR,  500,    ``server_error`` fault; the code is the status phrase
    BAD_GATEWAY, ...        502...  in upper snake case
    ======================  ======  ====================================================

The rules and messages are the emulator's own copy of the docs (it imports nothing of the
SDK's checks: a test oracle that shared the SDK's validators would agree with every bug in
them). ``created_at`` is ISO 8601 UTC to the second with ``Z``; ids are UUID4s. On
update, the numbers are replaced; an omitted ``encrypted_key`` keeps the pool's, ``null``
removes it. Answers carry a ``Date`` header (the SDK reads the server's clock from it).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Final, Protocol

import attrs
from aiohttp import web

from pools_core.testing import EmulatorBase, FaultPlan, current_payload
from pools_core.testing._files import write_atomic

__all__ = ["DEFAULT_API_KEY", "MSG_UNAUTHORIZED", "BlandEmulator"]

#: The resource's two names (the seeds' and the current docs'), served by default.
RESOURCE_NAMES: Final = ("custom-dialing-pools", "geospatial-dialing-pools")
POOLS_PATH: Final = "/v1/" + RESOURCE_NAMES[0]
DEFAULT_API_KEY: Final = "bland-emulator-key"
# The docs' messages ("Error Response" examples of the three seed pages).
MSG_UNAUTHORIZED: Final = "Invalid API key or insufficient permissions"
MSG_POOL_NOT_FOUND: Final = "Geospatial dialing pool not found"
MSG_INVALID_POOL_ID: Final = "Pool ID must be a valid UUID"
MSG_INVALID_PHONE_NUMBERS: Final = "All phone numbers must be valid US numbers with +1 prefix"
MSG_INVALID_CREDENTIALS: Final = "Twilio credentials not found or do not belong to your account"
MSG_DELETED: Final = "Geospatial dialing pool deleted successfully"
MSG_NOT_AN_OBJECT: Final = "The request body must be a JSON object"
MSG_NO_PHONE_NUMBERS: Final = "phone_numbers is required"
#: The docs' example credentials, known to every organization's samples (the emulator's own
#: copy, as of every rule; ``bland_pools.testing.SAMPLE_CREDENTIALS`` is the same UUID).
SAMPLE_CREDENTIALS: Final = "550e8400-e29b-41d4-a716-446655440000"
#: The docs' example pool id, the first sample's.
SAMPLE_POOL_ID: Final = "550e8400-e29b-41d4-a716-446655440001"
_NOT_SENT: Final = object()


class _Monotonic(Protocol):
    def monotonic(self) -> float: ...


@attrs.define
class _Org:
    owner_id: str
    credentials: set[str] = attrs.Factory(set)  # lower-case UUIDs
    pools: dict[str, dict[str, Any]] = attrs.Factory(dict)  # lower-case id -> pool
    arrivals: deque[float] = attrs.Factory(deque)  # the last second's accepted requests


# The docs: a UUID "e.g. 550e8400-e29b-41d4-a716-446655440000"; a number "exactly 12
# characters: +1 followed by 10 digits" (ASCII digits: Bland's validator is not Unicode-aware).
_UUID_FORM: Final = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
_DIGITS: Final = frozenset("0123456789")


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 36 and bool(_UUID_FORM.fullmatch(value))


def is_phone_number(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) == 12
        and value.startswith("+1")
        and set(value[2:]) <= _DIGITS
    )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _copy(pool: Mapping[str, Any]) -> dict[str, Any]:
    return {**pool, "phone_numbers": list(pool["phone_numbers"])}


def _success(data: Any) -> web.Response:
    return web.json_response({"status": "success", "data": data, "errors": None})


def _error(
    code: str, message: str, status: int, headers: Mapping[str, str] | None = None
) -> web.Response:
    body = {"status": "error", "data": None, "errors": [{"error": code, "message": message}]}
    return web.json_response(body, status=status, headers=headers)


def _numbers_ok(numbers: Any) -> bool:
    return (
        isinstance(numbers, list)
        and bool(numbers)
        and all(is_phone_number(n) for n in numbers)
        and len(set(numbers)) == len(numbers)
    )


def _served(paths: Iterable[str]) -> tuple[str, ...]:
    if isinstance(paths, str):
        paths = (paths,)
    served = tuple(dict.fromkeys(paths))
    unknown = [p for p in served if p not in RESOURCE_NAMES]
    if unknown or not served:
        raise ValueError(
            f"paths must name {' and/or '.join(RESOURCE_NAMES)}, got {list(served)!r:.120}"
        )
    return served


class BlandEmulator(EmulatorBase):
    """Bland's custom dialing pools API on ``127.0.0.1`` (see the module docstring).

    Args:
        api_keys: the keys it accepts, each its own organization; or a mapping of key to the
            UUIDs of that organization's Twilio credentials.
        host, port: where to listen (port 0: a free one).
        faults: a random :class:`FaultPlan` (default: none).
        log_limit, log_body_limit: how many requests the log keeps, and the largest body it
            keeps of each (a soak test of hours stays small).
        paths: the resource names it serves (default both: ``custom-dialing-pools`` and
            ``geospatial-dialing-pools``); the other name's paths answer a plain 404.
        rate_limit: requests per sliding second per API key (organization); past it a 429
            with ``Retry-After`` (whole seconds until the oldest leaves the second) and
            nothing applied. ``None`` (the default): no limit.
        clock: what the rate window counts by (an object with ``monotonic()``); share a
            ``FakeClock`` with the client to test pacing without waiting.
        state_file: keep the pools in this JSON file (the format of :meth:`save`): read when
            the emulator is made, if it exists, and rewritten atomically after every change
            the API makes, before the answer is sent, so the state survives any kill of the
            process (SIGKILL included). Changes made directly (:meth:`add_pool`,
            :meth:`reset`) are written with the next answer, or at :meth:`stop`.

    Use as ``async with BlandEmulator(api_keys=["key-a"]) as emu:`` and point the client at
    ``emu.url``.
    """

    def __init__(
        self,
        api_keys: Iterable[str] | Mapping[str, Iterable[str]] = (DEFAULT_API_KEY,),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        log_limit: int = 10_000,
        log_body_limit: int = 64 * 1024,
        paths: Iterable[str] = RESOURCE_NAMES,
        rate_limit: int | None = None,
        clock: _Monotonic | None = None,
        state_file: str | Path | None = None,
    ) -> None:
        self.paths = _served(paths)
        if rate_limit is not None and (
            isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit < 1
        ):
            raise ValueError(f"rate_limit must be a whole number, at least 1, got {rate_limit!r}")
        self.rate_limit = rate_limit
        self._clock = time.monotonic if clock is None else clock.monotonic
        super().__init__(
            host=host,
            port=port,
            faults=faults,
            log_limit=log_limit,
            log_body_limit=log_body_limit,
        )
        # Durability: every change bumps _changes; _durable is how many the state file holds.
        self._state_file = None if state_file is None else Path(state_file)
        self._changes = 0
        self._durable = 0
        self._written = 0  # what the writer threads wrote last (under _write_lock)
        self._write_lock = threading.Lock()
        self._flush_lock = asyncio.Lock()
        self._others: dict[str, Any] = {}  # a state file's organizations this one lacks
        if isinstance(api_keys, str):
            raise TypeError("api_keys must be a list of keys (or a mapping), not one string")
        self._orgs: dict[str, _Org] = {}
        for key in api_keys:
            if not isinstance(key, str) or not key:
                raise ValueError(f"an API key must be a non-empty string, got {key!r}")
            owner = uuid.uuid5(uuid.NAMESPACE_URL, f"bland-emulator:{key}")
            self._orgs[key] = _Org(str(owner))
            if isinstance(api_keys, Mapping):
                self.add_credentials(key, *api_keys[key])
        if not self._orgs:
            raise ValueError("at least one API key is needed")
        if self._state_file is not None and self._state_file.exists():
            self.load(self._state_file)
            self._durable = self._written = self._changes

    # -- seeding and inspection ----------------------------------------------------------

    @property
    def api_key(self) -> str:
        """The first API key."""
        return next(iter(self._orgs))

    def owner_id(self, api_key: str) -> str:
        """The organization id (``owner_id``) of ``api_key``."""
        return self._org(api_key).owner_id

    def _org(self, api_key: str) -> _Org:
        try:
            return self._orgs[api_key]
        except KeyError:
            raise KeyError(f"the emulator has no API key {api_key[:4]!r}...") from None

    def add_credentials(self, api_key: str, *credential_ids: str) -> None:
        """Make Twilio credentials (their UUIDs) known to ``api_key``'s organization."""
        org = self._org(api_key)
        for credential in credential_ids:
            if not is_uuid(credential):
                raise ValueError(f"a credential id must be a UUID, got {credential!r}")
            org.credentials.add(credential.lower())

    def add_pool(
        self,
        api_key: str,
        phone_numbers: Iterable[str],
        encrypted_key: str | None = None,
        *,
        pool_id: str | None = None,
        created_at: datetime | str | None = None,
    ) -> dict[str, Any]:
        """Store a pool directly (no validation: seed odd data on purpose if you like) and
        return a copy of it. Its ``encrypted_key``, if any, becomes a known credential."""
        org = self._org(api_key)
        if isinstance(created_at, datetime):
            created_at = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        pool: dict[str, Any] = {
            "id": pool_id or str(uuid.uuid4()),
            "owner_id": org.owner_id,
            "phone_numbers": list(phone_numbers),
            "encrypted_key": encrypted_key,
            "created_at": created_at or _now(),
        }
        if isinstance(encrypted_key, str):
            org.credentials.add(encrypted_key.lower())
        org.pools[pool["id"].lower()] = pool
        self._changes += 1
        return _copy(pool)

    def seed_samples(self, api_key: str | None = None) -> list[dict[str, Any]]:
        """Add three realistic pools (the docs' numbers; one tied to the docs' sample
        credentials) to ``api_key``'s organization (default: the first key); returns them.

        The first sample is the docs' own pool ``550e8400-e29b-41d4-a716-446655440001``; the
        others' ids are derived from the key, so every run of ``--emulator`` shows the same."""
        key = self.api_key if api_key is None else api_key
        owner = self.owner_id(key)

        def sample_id(n: int) -> str:
            return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bland-emulator:{owner}:sample:{n}"))

        return [
            self.add_pool(
                key,
                ["+12345678901", "+19876543210", "+15551234567"],
                SAMPLE_CREDENTIALS,
                pool_id=SAMPLE_POOL_ID,
                created_at="2024-01-15T10:30:00Z",
            ),
            self.add_pool(key, ["+14155552671", "+14155552672"], pool_id=sample_id(2)),
            self.add_pool(key, ["+12125550147"], pool_id=sample_id(3)),
        ]

    def pools(self, api_key: str | None = None) -> list[dict[str, Any]]:
        """Copies of the pools of ``api_key``'s organization (default: the first key), in
        creation order."""
        org = self._org(self.api_key if api_key is None else api_key)
        return [_copy(p) for p in org.pools.values()]

    def save(self, path: str | Path) -> None:
        """Write every organization's pools to a JSON file (see :meth:`load`), atomically:
        a kill while it writes leaves the file as it was."""
        write_atomic(path, self._state_json())

    def load(self, path: str | Path) -> None:
        """Read the pools a :meth:`save` wrote, so an emulator outlives one process (the
        command line's ``provision --emulator`` keeps its pools next to the manifest).
        Organizations the emulator does not have are skipped (and kept in its
        ``state_file``). A file that is not such a state changes nothing: ``ValueError``
        naming it."""
        text = Path(path).read_bytes()
        try:
            state = json.loads(text)
            if not isinstance(state, dict):
                raise ValueError("not a JSON object")
            pools = [
                (key, pool["phone_numbers"], pool.get("encrypted_key"), pool["id"], pool)
                for key, listed in state.items()
                if key in self._orgs
                for pool in listed
            ]
            for _, numbers, _, pool_id, _ in pools:
                if not isinstance(numbers, list) or not isinstance(pool_id, str):
                    raise ValueError(f"a pool without a list of numbers and an id: {pool_id!r}")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"{path} is not a state file of BlandEmulator.save(): {exc!r:.200}"
            ) from None
        self._others.update((k, v) for k, v in state.items() if k not in self._orgs)
        for key, numbers, encrypted_key, pool_id, pool in pools:
            self.add_pool(
                key, numbers, encrypted_key, pool_id=pool_id, created_at=pool.get("created_at")
            )

    def _state_json(self) -> bytes:
        state = {key: [_copy(p) for p in org.pools.values()] for key, org in self._orgs.items()}
        return json.dumps(self._others | state).encode("utf-8")

    def _clear_state(self) -> None:
        for org in self._orgs.values():
            org.pools.clear()
            org.arrivals.clear()
        self._changes += 1

    # -- durability (state_file) -----------------------------------------------------------

    async def start(self) -> None:
        self._flush_lock = asyncio.Lock()  # a lock of this loop (in_thread runs use another)
        await super().start()

    async def stop(self) -> None:
        """Stop listening; then write what the state file lacks (changes whose answer was
        never sent, changes made directly). Idempotent."""
        await super().stop()
        await self._persist()

    async def _persist(self) -> None:
        """Return once the state file holds every change made so far. Group commit: one
        write covers every change made while the previous write ran."""
        if self._state_file is None or self._durable == self._changes:
            return
        wanted = self._changes
        async with self._flush_lock:
            if self._durable >= wanted:
                return  # the write that ran meanwhile had it
            changes, data = self._changes, self._state_json()
            await asyncio.to_thread(self._write_state, changes, data)
            self._durable = max(self._durable, changes)

    def _write_state(self, changes: int, data: bytes) -> None:
        # A write cancelled while its thread ran may finish after a later one: never let an
        # older state replace a newer.
        with self._write_lock:
            if changes <= self._written:
                return
            assert self._state_file is not None
            # No fsync: a kill of the process cannot lose what write() gave the kernel, and
            # an emulator need not survive a power loss; fsync made the README demo's 320
            # pools take 5 to 40 s on a shared disk instead of 4.5.
            write_atomic(self._state_file, data, sync=False)
            self._written = changes

    def _durably(
        self, handler: Callable[[web.Request], Awaitable[web.Response]]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """``handler``, answering only once its change (and any earlier one) is on disk."""

        async def answer(request: web.Request) -> web.Response:
            response = await handler(request)
            await self._persist()
            return response

        return answer

    def _snapshot(self) -> Any:
        return {org.owner_id: [_copy(p) for p in org.pools.values()] for org in self._orgs.values()}

    # -- the API ---------------------------------------------------------------------------

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        durably = self._durably
        for name in self.paths:
            base = "/v1/" + name
            router.add_get(base, durably(self._list))
            router.add_post(base, durably(self._create))
            # [^/]+, not aiohttp's default [^{}/]+: an id with braces must reach
            # INVALID_POOL_ID.
            router.add_get(base + "/{pool_id:[^/]+}", durably(self._get))
            router.add_post(base + "/{pool_id:[^/]+}/update", durably(self._update))
            router.add_delete(base + "/{pool_id:[^/]+}", durably(self._delete))

    def _error_response(
        self, request: web.Request, status: int, headers: Mapping[str, str]
    ) -> web.Response:
        phrase = HTTPStatus(status).phrase
        return _error(phrase.upper().replace(" ", "_").replace("-", "_"), phrase, status, headers)

    def _caller(self, request: web.Request) -> _Org | web.Response:
        """The key's organization, or the refusal: 401 for a missing or unknown key, 429
        past ``rate_limit`` requests in the last second (a refused request does not count)."""
        key = request.headers.get("authorization")
        org = self._orgs.get(key) if key else None
        if org is None:
            return _error("UNAUTHORIZED", MSG_UNAUTHORIZED, 401)
        if self.rate_limit is None:
            return org
        now = self._clock()
        arrivals = org.arrivals
        while arrivals and arrivals[0] <= now - 1.0:
            arrivals.popleft()
        if len(arrivals) >= self.rate_limit:
            # HTTP's Retry-After is whole seconds: until the oldest leaves the second.
            wait = max(1, math.ceil(arrivals[-self.rate_limit] + 1.0 - now))
            headers = {"Retry-After": str(wait)}
            return _error("TOO_MANY_REQUESTS", "Too Many Requests", 429, headers)
        arrivals.append(now)
        return org

    def _pool_of(self, org: _Org, request: web.Request) -> dict[str, Any] | web.Response:
        pool_id = request.match_info["pool_id"]
        if not is_uuid(pool_id):
            return _error("INVALID_POOL_ID", MSG_INVALID_POOL_ID, 400)
        pool = org.pools.get(pool_id.lower())
        if pool is None:
            return _error("POOL_NOT_FOUND", MSG_POOL_NOT_FOUND, 404)
        return pool

    def _read_body(self, org: _Org, request: web.Request) -> tuple[list[str], Any] | web.Response:
        """The body's numbers and key (``_NOT_SENT`` when absent), or the refusal."""
        body = current_payload()
        if not isinstance(body, dict):
            return _error("INVALID_REQUEST", MSG_NOT_AN_OBJECT, 400)
        if "phone_numbers" not in body:
            return _error("INVALID_REQUEST", MSG_NO_PHONE_NUMBERS, 400)
        numbers = body["phone_numbers"]
        if not _numbers_ok(numbers):
            return _error("INVALID_PHONE_NUMBERS", MSG_INVALID_PHONE_NUMBERS, 400)
        key = body.get("encrypted_key", _NOT_SENT)
        if key is not _NOT_SENT and key is not None and not self._knows(org, key):
            return _error("INVALID_CREDENTIALS", MSG_INVALID_CREDENTIALS, 400)
        return list(numbers), key

    @staticmethod
    def _knows(org: _Org, key: Any) -> bool:
        return is_uuid(key) and str(key).lower() in org.credentials

    async def _list(self, request: web.Request) -> web.Response:
        org = self._caller(request)
        if isinstance(org, web.Response):
            return org
        return _success(list(org.pools.values()))

    async def _get(self, request: web.Request) -> web.Response:
        org = self._caller(request)
        if isinstance(org, web.Response):
            return org
        pool = self._pool_of(org, request)
        return pool if isinstance(pool, web.Response) else _success(pool)

    async def _create(self, request: web.Request) -> web.Response:
        org = self._caller(request)
        if isinstance(org, web.Response):
            return org
        body = self._read_body(org, request)
        if isinstance(body, web.Response):
            return body
        numbers, key = body
        pool: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "owner_id": org.owner_id,
            "phone_numbers": numbers,
            "encrypted_key": None if key is _NOT_SENT else key,
            "created_at": _now(),
        }
        org.pools[pool["id"]] = pool
        self._changes += 1
        return _success(pool)

    async def _update(self, request: web.Request) -> web.Response:
        org = self._caller(request)
        if isinstance(org, web.Response):
            return org
        if not is_uuid(request.match_info["pool_id"]):
            return _error("INVALID_POOL_ID", MSG_INVALID_POOL_ID, 400)
        body = self._read_body(org, request)
        if isinstance(body, web.Response):
            return body
        pool = self._pool_of(org, request)
        if isinstance(pool, web.Response):
            return pool
        numbers, key = body
        pool["phone_numbers"] = numbers  # the docs: a full replace
        if key is not _NOT_SENT:
            pool["encrypted_key"] = key  # null removes the credentials
        self._changes += 1
        return _success(pool)

    async def _delete(self, request: web.Request) -> web.Response:
        org = self._caller(request)
        if isinstance(org, web.Response):
            return org
        pool = self._pool_of(org, request)
        if isinstance(pool, web.Response):
            return pool
        del org.pools[pool["id"].lower()]
        self._changes += 1
        # The docs' example: no "status" field in a delete's answer.
        data = {"message": MSG_DELETED, "deleted_pool_id": pool["id"]}
        return web.json_response({"data": data, "errors": None})
