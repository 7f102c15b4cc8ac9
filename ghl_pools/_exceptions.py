"""Errors raised by ``ghl_pools``.

    GHLError                          base of everything below (a pools_core.PoolsError)
    +-- ConfigurationError            no token, unsafe base URL, bad option
    +-- APIError                      code, message, status, errors, body
        +-- BadRequestError           400/422 ("Invalid locationId format"), or a bad argument
        +-- AuthenticationError       401: token invalid or expired
        +-- PermissionDeniedError     403: token not allowed this location
        +-- NotFoundError             404
        +-- RateLimitError            429 (retry_after)
        +-- ServerError               5xx
        +-- UnexpectedResponseError   redirect, unmapped status, undocumented body
        +-- APIConnectionError        no answer
            +-- APITimeoutError       no answer in time

Each class also subclasses its ``pools_core`` namesake.
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
    "ClientClosedError",
    "ConfigurationError",
    "GHLError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "UnexpectedResponseError",
]


class GHLError(core.PoolsError):
    """Base of every error ``ghl_pools`` raises on purpose."""


class ConfigurationError(GHLError, core.ConfigurationError):
    __doc__ = core.ConfigurationError.__doc__


class ClientClosedError(GHLError, core.ClientClosedError):
    __doc__ = core.ClientClosedError.__doc__


class APIError(GHLError, core.APIError):
    __doc__ = core.APIError.__doc__


class BadRequestError(APIError, core.BadRequestError):
    __doc__ = core.BadRequestError.__doc__


class AuthenticationError(APIError, core.AuthenticationError):
    __doc__ = core.AuthenticationError.__doc__


class PermissionDeniedError(APIError, core.PermissionDeniedError):
    __doc__ = core.PermissionDeniedError.__doc__


class NotFoundError(APIError, core.NotFoundError):
    __doc__ = core.NotFoundError.__doc__


class RateLimitError(APIError, core.RateLimitError):
    __doc__ = core.RateLimitError.__doc__


class ServerError(APIError, core.ServerError):
    __doc__ = core.ServerError.__doc__


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
    not_found=NotFoundError,
    rate_limit=RateLimitError,
    server=ServerError,
    unexpected=UnexpectedResponseError,
    connection=APIConnectionError,
    timeout=APITimeoutError,
)
