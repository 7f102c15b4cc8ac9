"""Failures, classified: what a rerun may fix (retryable) and what it cannot (permanent).

A 5xx, a timeout, a dropped connection or a 429 the client gave up on may succeed next
time; a 4xx is the server's judgement of the input, and it will judge the same input the
same way. A job advises a rerun only for the first kind and, for the second, says what to fix
(:func:`fix`); the manifest records the class and the input, so that a rerun does not send a
permanent failure again unless its row changed or ``retry_failed`` asks for it.
"""

from __future__ import annotations

from typing import Final

from bland_pools._exceptions import PoolNotFoundError
from pools_core._exceptions import APIConnectionError, APIError, BadRequestError
from pools_core._retry import RETRIED_STATUSES

from ._manifest import Failure

__all__ = ["classify", "code_of", "fix"]

#: What to do about each permanent failure, by the API's code (or ``HTTP <status>``).
_FIXES: Final = {
    "INVALID_CREDENTIALS": "the encrypted_key is not one of the organization's Twilio "
    "credentials: correct it in the input (a changed row is sent again), or add these "
    "credentials to the organization in Bland and run again with --retry-failed",
    "INVALID_PHONE_NUMBERS": "a number is not one the organization may put in a pool (not "
    "its number, or not a US one): correct the row's numbers (a changed row is sent again)",
    "INVALID_POOL_ID": "Bland does not accept the pool id the manifest holds: delete the "
    "key's row from the manifest (its pool is adopted again by its numbers)",
    "UNAUTHORIZED": "the API key was refused: check BLAND_API_KEY (or --api-key) and run again "
    "with --retry-failed",
    "HTTP 401": "the API key was refused: check BLAND_API_KEY (or --api-key) and run again "
    "with --retry-failed",
    "HTTP 403": "the API key may not do this: use a key of the organization with access, and "
    "run again with --retry-failed",
}
_OTHER: Final = (
    "the server refuses this input and will again: correct the row (a changed row is sent "
    "again), or run again with --retry-failed to send it as it is"
)


def classify(error: BaseException) -> Failure:
    """``"retryable"`` or ``"permanent"``, for an error a pool's request ended with."""
    if isinstance(error, PoolNotFoundError):
        return "retryable"  # an update's pool was deleted meanwhile: the rerun creates it
    if not isinstance(error, APIError) or isinstance(error, APIConnectionError):
        return "retryable"  # no answer, or the client closed while in flight
    status = error.status
    if status is None:  # refused before sending: only bad input is
        return "permanent" if isinstance(error, BadRequestError) else "retryable"
    if status in RETRIED_STATUSES or status >= 500:
        return "retryable"
    return "permanent"


def code_of(error: BaseException) -> str | None:
    """The API's error code (``"INVALID_CREDENTIALS"``), else ``"HTTP <status>"``."""
    if not isinstance(error, APIError):
        return None
    if error.code:
        return error.code
    return None if error.status is None else f"HTTP {error.status}"


def fix(code: str | None) -> str:
    """What to do about a permanent failure with this code."""
    return _FIXES.get(code or "", _OTHER)
