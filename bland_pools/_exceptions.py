"""Errors raised by ``bland_pools``.

    BlandError                              base of everything below (a pools_core.PoolsError)
    +-- ConfigurationError                  no API key, unsafe base URL, bad option
    +-- ClientClosedError                   the client is closed (also in flight at close)
    +-- DuplicatePoolsError                 pools.ensure found several identical pools
    +-- APIError                            code, message, status, errors, body
        +-- BadRequestError                 400, or another code the API names
        |   +-- InvalidPoolIdError          INVALID_POOL_ID
        |   +-- InvalidPhoneNumbersError    INVALID_PHONE_NUMBERS
        |   +-- InvalidCredentialsError     INVALID_CREDENTIALS
        +-- AuthenticationError             UNAUTHORIZED / 401
        +-- PermissionDeniedError           403
        +-- NotFoundError                   404
        |   +-- PoolNotFoundError           POOL_NOT_FOUND
        +-- RateLimitError                  429 (retry_after)
        +-- ServerError                     5xx
        |   +-- PoolDeleteFailedError       POOL_DELETE_FAILURE
        +-- UnexpectedResponseError         redirect, unmapped status, undocumented body
        +-- APIConnectionError              no answer
            +-- APITimeoutError             no answer in time

Each class also subclasses its ``pools_core`` namesake. The ``Invalid*`` errors are raised
before sending when the SDK can see the server would refuse the input (``status`` is then
``None``), and after sending when the server says so.
"""

from __future__ import annotations

from typing import Final

import pools_core._exceptions as core

__all__ = [
    "ERRORS",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BlandError",
    "ClientClosedError",
    "ConfigurationError",
    "DuplicatePoolsError",
    "InvalidCredentialsError",
    "InvalidPhoneNumbersError",
    "InvalidPoolIdError",
    "NotFoundError",
    "PermissionDeniedError",
    "PoolDeleteFailedError",
    "PoolNotFoundError",
    "RateLimitError",
    "ServerError",
    "UnexpectedResponseError",
]


class BlandError(core.PoolsError):
    """Base of every error ``bland_pools`` raises on purpose."""


class ConfigurationError(BlandError, core.ConfigurationError):
    __doc__ = core.ConfigurationError.__doc__


class ClientClosedError(BlandError, core.ClientClosedError):
    __doc__ = core.ClientClosedError.__doc__


class DuplicatePoolsError(BlandError):
    """``pools.ensure`` found several pools with exactly the asked numbers and credentials;
    which one is meant cannot be told, so none is returned and none is made.

    Attributes:
        pool_ids: the identical pools' ids, oldest first.
    """

    def __init__(self, message: str, *, pool_ids: tuple[str, ...]) -> None:
        super().__init__(message)
        self.pool_ids = pool_ids

    def __reduce__(self) -> tuple[object, ...]:
        return (_duplicate, (str(self), self.pool_ids))


def _duplicate(message: str, pool_ids: tuple[str, ...]) -> DuplicatePoolsError:
    return DuplicatePoolsError(message, pool_ids=pool_ids)


class APIError(BlandError, core.APIError):
    __doc__ = core.APIError.__doc__


class BadRequestError(APIError, core.BadRequestError):
    __doc__ = core.BadRequestError.__doc__


class InvalidPoolIdError(BadRequestError):
    """``INVALID_POOL_ID``: the pool id is not a UUID."""


class InvalidPhoneNumbersError(BadRequestError):
    """``INVALID_PHONE_NUMBERS``: a number is not ``+1`` and ten digits (or the list is empty
    or repeats a number)."""


class InvalidCredentialsError(BadRequestError):
    """``INVALID_CREDENTIALS``: the ``encrypted_key`` names no Twilio credentials of this
    account."""


class AuthenticationError(APIError, core.AuthenticationError):
    __doc__ = core.AuthenticationError.__doc__


class PermissionDeniedError(APIError, core.PermissionDeniedError):
    __doc__ = core.PermissionDeniedError.__doc__


class NotFoundError(APIError, core.NotFoundError):
    __doc__ = core.NotFoundError.__doc__


class PoolNotFoundError(NotFoundError):
    """``POOL_NOT_FOUND``: no such pool in this organization."""


class RateLimitError(APIError, core.RateLimitError):
    __doc__ = core.RateLimitError.__doc__


class ServerError(APIError, core.ServerError):
    __doc__ = core.ServerError.__doc__


class PoolDeleteFailedError(ServerError):
    """``POOL_DELETE_FAILURE`` (HTTP 500): Bland could not delete the pool. Retried like any
    5xx (a delete is idempotent)."""


class UnexpectedResponseError(APIError, core.UnexpectedResponseError):
    __doc__ = core.UnexpectedResponseError.__doc__


class APIConnectionError(APIError, core.APIConnectionError):
    __doc__ = core.APIConnectionError.__doc__


class APITimeoutError(APIConnectionError, core.APITimeoutError):
    __doc__ = core.APITimeoutError.__doc__


ERRORS: Final = core.ErrorTree(
    configuration=ConfigurationError,
    closed=ClientClosedError,
    api=APIError,
    bad_request=BadRequestError,
    authentication=AuthenticationError,
    permission_denied=PermissionDeniedError,
    # A 404 is PoolNotFoundError only when the body says POOL_NOT_FOUND: a bare 404 is a
    # wrong URL far more often (a base_url ending in /v1), not a missing pool.
    not_found=NotFoundError,
    rate_limit=RateLimitError,
    server=ServerError,
    unexpected=UnexpectedResponseError,
    connection=APIConnectionError,
    timeout=APITimeoutError,
)

#: The body codes Bland documents, and the class each maps to (body code first, status second).
CODE_CLASSES: Final[dict[str, type[APIError]]] = {
    "POOL_NOT_FOUND": PoolNotFoundError,
    "INVALID_POOL_ID": InvalidPoolIdError,
    "INVALID_PHONE_NUMBERS": InvalidPhoneNumbersError,
    "INVALID_CREDENTIALS": InvalidCredentialsError,
    "UNAUTHORIZED": AuthenticationError,
    "POOL_DELETE_FAILURE": PoolDeleteFailedError,  # documented for DELETE, after the seeds
}
