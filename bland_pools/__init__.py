"""Python SDK for Bland AI custom dialing pools: list, get, create and update.

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
    )
    from pools_core import (
        Clock as Clock,
    )
    from pools_core import (
        RetryPolicy as RetryPolicy,
    )
    from pools_core import (
        Secret as Secret,
    )
    from pools_core import (
        Timeout as Timeout,
    )
    from pools_core import (
        __version__ as __version__,
    )

    from ._client import (
        DEFAULT_BASE_URL as DEFAULT_BASE_URL,
    )
    from ._client import (
        AsyncBlandClient as AsyncBlandClient,
    )
    from ._client import (
        AsyncPools as AsyncPools,
    )
    from ._client import (
        BlandClient as BlandClient,
    )
    from ._client import (
        Ensured as Ensured,
    )
    from ._client import (
        Pools as Pools,
    )
    from ._exceptions import (
        APIConnectionError as APIConnectionError,
    )
    from ._exceptions import (
        APIError as APIError,
    )
    from ._exceptions import (
        APITimeoutError as APITimeoutError,
    )
    from ._exceptions import (
        AuthenticationError as AuthenticationError,
    )
    from ._exceptions import (
        BadRequestError as BadRequestError,
    )
    from ._exceptions import (
        BlandError as BlandError,
    )
    from ._exceptions import (
        ClientClosedError as ClientClosedError,
    )
    from ._exceptions import (
        ConfigurationError as ConfigurationError,
    )
    from ._exceptions import (
        DuplicatePoolsError as DuplicatePoolsError,
    )
    from ._exceptions import (
        InvalidCredentialsError as InvalidCredentialsError,
    )
    from ._exceptions import (
        InvalidPhoneNumbersError as InvalidPhoneNumbersError,
    )
    from ._exceptions import (
        InvalidPoolIdError as InvalidPoolIdError,
    )
    from ._exceptions import (
        NotFoundError as NotFoundError,
    )
    from ._exceptions import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from ._exceptions import (
        PoolDeleteFailedError as PoolDeleteFailedError,
    )
    from ._exceptions import (
        PoolNotFoundError as PoolNotFoundError,
    )
    from ._exceptions import (
        RateLimitError as RateLimitError,
    )
    from ._exceptions import (
        ServerError as ServerError,
    )
    from ._exceptions import (
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
