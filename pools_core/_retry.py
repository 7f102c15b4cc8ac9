"""The retry policy: which failures are retried, and how long to wait before the next try."""

from __future__ import annotations

import random
from typing import Final

import attrs

from ._exceptions import (
    APIConnectionError,
    APIError,
    ConfigurationError,
    RateLimitError,
    UnexpectedResponseError,
)
from ._headers import parse_retry_after

__all__ = [
    "RETRIED_STATUSES",
    "RetryPolicy",
    "check_max_retries",
    "outcome_unknown",
    "requested_wait",
]

# 408 request timeout, 429 throttled, and the 5xx a proxy or an overloaded server answers.
RETRIED_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})


def requested_wait(exc: BaseException) -> float | None:
    """The wait the server asked for with a failed answer: a 429's ``retry_after``, or the
    ``Retry-After`` of a retried status (a 503 during maintenance, say); else ``None``."""
    if isinstance(exc, RateLimitError):
        return exc.retry_after
    if isinstance(exc, APIError) and exc.status in RETRIED_STATUSES and exc.headers:
        return parse_retry_after(exc.headers)
    return None


def outcome_unknown(exc: BaseException) -> bool:
    """Whether a failed attempt may have changed state on the server.

    A 429 or a refused connection changed nothing; a timeout after sending, a dropped
    connection, a 5xx or a 2xx whose body could not be read may have.
    """
    if isinstance(exc, APIConnectionError):
        return exc.request_sent
    if isinstance(exc, RateLimitError):
        return False
    if isinstance(exc, UnexpectedResponseError) and exc.status is not None:
        return 200 <= exc.status < 300 or exc.status in RETRIED_STATUSES
    if isinstance(exc, APIError) and exc.status is not None:
        return exc.status >= 500 or exc.status == 408
    return False


def check_max_retries(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
        raise ConfigurationError(f"max_retries must be an integer from 0 to 20, got {value!r}")
    return value


def _seconds(_: object, attribute: attrs.Attribute[float], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value < float("inf")
    ):
        raise ConfigurationError(
            f"RetryPolicy.{attribute.name} must be a finite number of seconds, at least 0, "
            f"got {value!r}"
        )


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped, honoring ``Retry-After`` up to a cap.

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        initial_backoff: the backoff ceiling of the first retry, in seconds; it doubles after.
        max_backoff: the largest backoff ceiling.
        max_retry_after: the longest server-requested wait honored (``Retry-After`` on a 429,
            or on a 408 or 5xx); an answer asking for longer is raised at once instead of
            being retried early (a 429's ``retry_after`` tells the wait).
        min_backoff: the shortest wait before any retry, whatever the server asked
            (``Retry-After: 0`` in a storm of 429s) and whatever the jitter drew.
    """

    max_retries: int = attrs.field(default=2, validator=lambda _s, _a, v: check_max_retries(v))
    initial_backoff: float = attrs.field(default=0.5, validator=_seconds)
    max_backoff: float = attrs.field(default=8.0, validator=_seconds)
    max_retry_after: float = attrs.field(default=60.0, validator=_seconds)
    min_backoff: float = attrs.field(default=0.1, validator=_seconds)

    def should_retry(self, exc: BaseException, *, idempotent: bool) -> bool:
        if not isinstance(exc, APIError):
            return False
        if isinstance(exc, APIConnectionError):
            # A request that never left is always safe to send again.
            return idempotent or not exc.request_sent
        wait = requested_wait(exc)
        if wait is not None and wait > self.max_retry_after:
            return False  # asked to come back later than we would wait: raise it now
        if isinstance(exc, RateLimitError):
            return True
        if exc.status in RETRIED_STATUSES:
            return idempotent
        return False

    def backoff(self, retry_number: int, exc: BaseException | None = None) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based)."""
        wait = None if exc is None else requested_wait(exc)
        if wait is None or wait > self.max_retry_after:
            ceiling = min(self.max_backoff, self.initial_backoff * 2 ** (retry_number - 1))
            wait = random.uniform(0, ceiling)
        return max(self.min_backoff, float(wait))
