"""Python SDK for Bland AI dialing pools (custom or geospatial): list, get, create, update, delete.

    from bland_pools import AsyncBlandClient

    async with AsyncBlandClient() as bland:          # api key from BLAND_API_KEY
        pool = await bland.pools.create(["+12345678901", "+19876543210"])

The blocking :class:`BlandClient` has the same methods without ``await``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pools_core._lazy import lazy_exports

if TYPE_CHECKING:
    from pools_core import (
        NOT_GIVEN as NOT_GIVEN,
        Clock as Clock,
        RetryPolicy as RetryPolicy,
        Secret as Secret,
        Timeout as Timeout,
        __version__ as __version__,
    )

    from ._client import (
        DEFAULT_BASE_URL as DEFAULT_BASE_URL,
        AsyncBlandClient as AsyncBlandClient,
        AsyncPools as AsyncPools,
        BlandClient as BlandClient,
        Ensured as Ensured,
        Pools as Pools,
    )
    from ._exceptions import (
        APIConnectionError as APIConnectionError,
        APIError as APIError,
        APITimeoutError as APITimeoutError,
        AuthenticationError as AuthenticationError,
        BadRequestError as BadRequestError,
        BlandError as BlandError,
        ClientClosedError as ClientClosedError,
        ConfigurationError as ConfigurationError,
        DuplicatePoolsError as DuplicatePoolsError,
        InvalidCredentialsError as InvalidCredentialsError,
        InvalidPhoneNumbersError as InvalidPhoneNumbersError,
        InvalidPoolIdError as InvalidPoolIdError,
        NotFoundError as NotFoundError,
        PermissionDeniedError as PermissionDeniedError,
        PoolDeleteFailedError as PoolDeleteFailedError,
        PoolNotFoundError as PoolNotFoundError,
        RateLimitError as RateLimitError,
        ServerError as ServerError,
        UnexpectedResponseError as UnexpectedResponseError,
    )
    from ._models import (
        DialingPool as DialingPool,
    )
    from ._validation import (
        normalize_phone_number as normalize_phone_number,
    )

_EXPORTS = {
    "Clock": "pools_core",
    "NOT_GIVEN": "pools_core",
    "RetryPolicy": "pools_core",
    "Secret": "pools_core",
    "Timeout": "pools_core",
    "__version__": "pools_core",
    "AsyncBlandClient": "._client",
    "AsyncPools": "._client",
    "BlandClient": "._client",
    "DEFAULT_BASE_URL": "._client",
    "Ensured": "._client",
    "Pools": "._client",
    "APIConnectionError": "._exceptions",
    "APIError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "BlandError": "._exceptions",
    "ClientClosedError": "._exceptions",
    "ConfigurationError": "._exceptions",
    "DuplicatePoolsError": "._exceptions",
    "InvalidCredentialsError": "._exceptions",
    "InvalidPhoneNumbersError": "._exceptions",
    "InvalidPoolIdError": "._exceptions",
    "NotFoundError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "PoolDeleteFailedError": "._exceptions",
    "PoolNotFoundError": "._exceptions",
    "RateLimitError": "._exceptions",
    "ServerError": "._exceptions",
    "UnexpectedResponseError": "._exceptions",
    "DialingPool": "._models",
    "normalize_phone_number": "._validation",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
