"""Bland's wire protocol, free of I/O: build the requests, read the envelope, map the errors.

Every answer is an envelope ``{"status": "success"|"error", "data": ..., "errors": [...]}``.
Bland documents body codes but no HTTP statuses, so an error maps by its body code first and
its HTTP status second; an error inside a 200 envelope maps like one with an error status.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from pools_core._convert import DecodeFailure, make_model_converter
from pools_core._exceptions import APIError, ErrorDetail
from pools_core._protocol import (
    INVALID,
    WRONG_URL,
    Request,
    Response,
    decode_json,
    error_from_response,
    redirect_error,
)
from pools_core._types import NOT_GIVEN

from ._exceptions import CODE_CLASSES, ERRORS, PoolNotFoundError
from ._models import DialingPool
from ._validation import RESOURCE_NAMES

__all__ = [
    "CONVERTER",
    "POOLS_PATH",
    "RESOURCE_NAMES",
    "create_request",
    "decode_deleted",
    "decode_pool",
    "decode_pools",
    "delete_request",
    "get_request",
    "list_request",
    "route_missing",
    "update_request",
]

#: The collection's path under the default name; every builder takes the one in use.
POOLS_PATH: Final = "/v1/" + RESOURCE_NAMES[0]
logger: Final = logging.getLogger("bland_pools")
CONVERTER: Final = make_model_converter()


def list_request(base: str = POOLS_PATH) -> Request:
    """``base``: the collection's path under the name in use (``/v1/<name>``)."""
    return Request("GET", base)


# The request builders take a pool id that passed _validation.check_pool_id: hex digits and
# dashes only, so it cannot change the path and needs no quoting.


def get_request(pool_id: str, base: str = POOLS_PATH) -> Request:
    return Request("GET", f"{base}/{pool_id}")


def _pool_body(numbers: list[str], encrypted_key: object) -> bytes:
    """``{"phone_numbers": [...], "encrypted_key": ...}`` (the key left out when NOT_GIVEN),
    written directly: the values passed check_phone_numbers and check_encrypted_key (``+1``
    and digits, a UUID), so nothing in them needs escaping. json.dumps costs more than the
    rest of building the request."""
    body = '{"phone_numbers":["' + '","'.join(numbers) + '"]'
    if encrypted_key is None:
        body += ',"encrypted_key":null'
    elif isinstance(encrypted_key, str):
        body += ',"encrypted_key":"' + encrypted_key + '"'
    return (body + "}").encode()


def create_request(
    numbers: list[str], encrypted_key: str | None, base: str = POOLS_PATH
) -> Request:
    # Not idempotent: a repeat would make a second pool. The client recovers instead.
    body = _pool_body(numbers, NOT_GIVEN if encrypted_key is None else encrypted_key)
    return Request("POST", base, body=body, idempotent=False)


def update_request(
    pool_id: str, numbers: list[str], encrypted_key: object, base: str = POOLS_PATH
) -> Request:
    """``encrypted_key`` is a UUID, ``None`` (sent as ``null``: removes the credentials), or
    ``NOT_GIVEN`` (no key sent: the credentials stay)."""
    # A full replace: sending it twice leaves the same pool, so it is retried like a GET.
    return Request("POST", f"{base}/{pool_id}/update", body=_pool_body(numbers, encrypted_key))


def delete_request(pool_id: str, base: str = POOLS_PATH) -> Request:
    # Idempotent (deleting twice leaves no pool), but aiohttp may itself resend a DELETE on a
    # dropped keep-alive connection: the transport counts the attempts that really went out.
    return Request("DELETE", f"{base}/{pool_id}", count_attempts=True)


def decode_deleted(response: Response) -> None:
    """A delete's answer: ``{"data": {"message", "deleted_pool_id"}, "errors": null}`` (no
    ``status`` field, as the docs show it). ``POOL_NOT_FOUND`` after an earlier attempt of
    the same call may have gone through means that attempt deleted it: success."""
    try:
        unwrap(response)
    except PoolNotFoundError:
        if not response.repeated:
            raise
        logger.info("DELETE %s: not found after a lost attempt, which deleted it", response.url)


def _is_route_miss(status: int, code: str | None) -> bool:
    """The one rule telling "no such path" from "no such pool": a 404 without a code Bland
    documents (a plain-text or HTML page, an envelope without a code or with another one) came
    from a path the server does not have (a wrong base URL, or the resource under its other
    name), never from the pool endpoints, whose 404 says ``POOL_NOT_FOUND``."""
    return status == 404 and code not in CODE_CLASSES


def route_missing(error: APIError) -> bool:
    """``error`` says the path does not exist (see :func:`_is_route_miss`); for the five
    endpoints alike."""
    return error.status is not None and _is_route_miss(error.status, error.code)


def _details(errors: Any) -> list[ErrorDetail]:
    if not isinstance(errors, list):
        return []
    details = []
    for item in errors:
        if isinstance(item, Mapping):
            code, message = item.get("error"), item.get("message")
            details.append(
                ErrorDetail(
                    code=code if isinstance(code, str) else None,
                    message=message if isinstance(message, str) else None,
                )
            )
        elif isinstance(item, str):
            details.append(ErrorDetail(code=None, message=item))
    return details


def _error(response: Response, payload: Any) -> APIError:
    details = _details(payload.get("errors")) if isinstance(payload, Mapping) else []
    known = next((d for d in details if d.code in CODE_CLASSES), None)
    first = known or (details[0] if details else None)
    cls: type[APIError] | None = CODE_CLASSES[known.code] if known and known.code else None
    if cls is None and response.status < 400:
        cls = ERRORS.api  # an error envelope with a 2xx status and a code we do not know
    message = None
    if first is not None:
        message = first.message or first.code
        if len(details) > 1:
            message = f"{message} (and {len(details) - 1} more)"
    if _is_route_miss(response.status, known.code if known else None):
        # Not Bland's POOL_NOT_FOUND: a path the server does not have.
        message = WRONG_URL + (f" (the server said: {message})" if message else "")
    return error_from_response(
        ERRORS,
        response,
        payload,
        cls=cls,
        message=message,
        code=first.code if first else None,
        details=details,
    )


def unwrap(response: Response) -> Any:
    """The envelope's ``data``, or the error the answer stands for."""
    status = response.status
    payload = decode_json(response.body)
    if (
        200 <= status < 300
        and type(payload) is dict
        and payload.get("status") != "error"
        and "data" in payload
    ):
        return payload["data"]  # the happy path, decided without ABC isinstance checks
    if 300 <= status < 400:
        raise redirect_error(ERRORS, response)
    if isinstance(payload, Mapping):
        envelope_status = payload.get("status")
        if envelope_status == "error" or status >= 400:
            raise _error(response, payload)
        if "data" in payload:
            return payload["data"]
    elif status >= 400:
        raise _error(response, payload)
    what = "a body that is not JSON" if payload is INVALID else "JSON that is not the envelope"
    raise error_from_response(
        ERRORS,
        response,
        payload,
        cls=ERRORS.unexpected,
        message=f"HTTP {status} with {what} Bland documents",
    )


def _malformed(response: Response, payload: Any, problem: str) -> APIError:
    return error_from_response(
        ERRORS,
        response,
        payload,
        cls=ERRORS.unexpected,
        message=f"Bland answered with a malformed pool: {problem}",
    )


def decode_pool(response: Response) -> DialingPool:
    data = unwrap(response)
    try:
        return CONVERTER.structure(data, DialingPool)
    except DecodeFailure as exc:
        raise _malformed(response, decode_json(response.body), str(exc)) from None


def decode_pools(response: Response) -> list[DialingPool]:
    data = unwrap(response)
    if not isinstance(data, list):
        raise _malformed(response, data, f"expected a list of pools, got {type(data).__name__}")
    try:
        return list(CONVERTER.structure_all(data, DialingPool))
    except DecodeFailure as exc:
        raise _malformed(response, data, str(exc)) from None
