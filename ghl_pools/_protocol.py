"""GoHighLevel's wire protocol, free of I/O: build the list request, read the answer.

Success is ``{"success": true, "data": [NumberPoolDto...], "total": n}``; errors are NestJS
bodies ``{"message": ..., "error": "Bad Request", "statusCode": 400}``, and 401/403 come with
no body at all, so errors map by HTTP status.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

from pools_core._convert import DecodeFailure, camel_case, make_model_converter
from pools_core._exceptions import APIError
from pools_core._headers import parse_rate_limit_headers
from pools_core._protocol import (
    INVALID,
    WRONG_URL,
    Request,
    Response,
    decode_json,
    error_from_response,
    redirect_error,
)

from ._exceptions import ERRORS, BadRequestError, RateLimitError
from ._models import NumberPool, NumberPoolPage

__all__ = [
    "API_VERSION",
    "CONVERTER",
    "NUMBER_POOLS_PATH",
    "check_location_id",
    "decode_page",
    "list_request",
]

NUMBER_POOLS_PATH: Final = "/phone-system/number-pools"
# Printable ASCII without spaces, 1 to 128 characters: what cannot be an id is refused.
_LOCATION_ID: Final = re.compile(r"[!-~]{1,128}")
API_VERSION: Final = "2021-07-28"
# camelCase on the wire (locationId, inboundCallService), snake_case in Python.
CONVERTER: Final = make_model_converter(camel_case)

# What to say when the server says nothing (GoHighLevel sends 401 and 403 without a body).
_STATUS_MESSAGES: Final = {
    401: "Unauthorized: the access token is missing, invalid or expired",
    403: "Forbidden: the token is not allowed this location (or lacks the numberpools.read scope)",
    404: "Not found",
    429: "Too many requests: GoHighLevel's rate limit was reached",
}


def check_location_id(location_id: Any) -> str:
    """A location id as GoHighLevel shows them (``ve9EPM428h8vShlRW1KT``); the format is not
    documented, so only what cannot be an id is refused: empty, spaces, control characters."""
    if not isinstance(location_id, str) or _LOCATION_ID.fullmatch(location_id) is None:
        raise BadRequestError(
            f"location_id must be a GoHighLevel location id like 've9EPM428h8vShlRW1KT', "
            f"got {location_id!r:.80}"
        )
    return location_id


@functools.lru_cache(maxsize=4096)
def list_request(location_id: str | None) -> Request:
    """The list request of a location (built once per location: the query string is
    percent-encoded here, not by aiohttp on every call). The rate limit is per app and
    location: the location is the limiter's key; without one, the token's own sub-account
    is the location."""
    if location_id is None:
        return Request("GET", NUMBER_POOLS_PATH, limit_key="")
    path = f"{NUMBER_POOLS_PATH}?locationId={quote(location_id, safe='')}"
    return Request("GET", path, limit_key=location_id)


def _error(response: Response, payload: Any) -> APIError:
    error = payload.get("error") if isinstance(payload, Mapping) else None
    exc = error_from_response(
        ERRORS,
        response,
        payload,
        code=error if isinstance(error, str) else None,
        fallback=_STATUS_MESSAGES.get(response.status),
    )
    if response.status == 404:
        # The one documented path never answers 404 on its own: the URL is wrong.
        said = f" (the server said: {exc.message})" if exc.message != "Not found" else ""
        exc.message = WRONG_URL + said
        exc.args = (exc.message,)
    if isinstance(exc, RateLimitError):
        info = parse_rate_limit_headers(response.headers)
        if info is not None and info.daily_remaining == 0 and exc.retry_after is None:
            # Retrying within seconds cannot help. GoHighLevel does not document when the
            # daily window resets; the next UTC midnight is the SDK's estimate.
            exc.message = f"GoHighLevel's daily limit ({info.daily_limit} requests) is used up"
            exc.args = (exc.message,)
            exc.retry_after = _seconds_to_utc_midnight(info.observed_at)
    return exc


def _seconds_to_utc_midnight(now: datetime) -> float:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (tomorrow - now).total_seconds()


def _malformed(response: Response, payload: Any, problem: str) -> APIError:
    return error_from_response(
        ERRORS,
        response,
        payload,
        cls=ERRORS.unexpected,
        message=f"GoHighLevel answered with a malformed number-pool list: {problem}",
    )


def decode_page(response: Response) -> NumberPoolPage:
    """The page of pools, or the error the answer stands for."""
    status = response.status
    payload = decode_json(response.body)
    if 300 <= status < 400:
        raise redirect_error(ERRORS, response)
    if status >= 400:
        raise _error(response, payload)
    if type(payload) is not dict and (payload is INVALID or not isinstance(payload, Mapping)):
        raise _malformed(response, payload, "the body is not a JSON object")
    if payload.get("success") is False:
        raise error_from_response(ERRORS, response, payload, cls=ERRORS.api)
    data = payload.get("data")
    if data is None and "data" in payload:  # ``"data": null``: no pools (a missing key is not)
        data = []
    if not isinstance(data, list):
        raise _malformed(response, payload, f"'data' is {type(data).__name__}, not a list")
    try:
        pools = CONVERTER.structure_all(data, NumberPool)
    except DecodeFailure as exc:
        raise _malformed(response, payload, str(exc)) from None
    total = payload.get("total")
    if isinstance(total, float) and total.is_integer():
        total = int(total)
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        total = len(pools)
    return NumberPoolPage(pools=pools, total=total, raw=payload)
