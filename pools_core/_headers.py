"""I/O-free readers of the headers an answer carries: ``Retry-After``, GoHighLevel's
``X-RateLimit-*`` figures and the server's clock (``Date``). The retry policy, the limiters,
the error decoders and create recovery all read them here."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

import attrs

__all__ = [
    "RateLimitInfo",
    "RawFigures",
    "clock_offset",
    "figure",
    "pacing",
    "parse_rate_limit_headers",
    "parse_retry_after",
    "rate_limit_info",
    "raw_figures",
]


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, then ``Retry-After`` as seconds,
    then as an HTTP date. ``None`` when absent or unreadable; never negative."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0 and value == value and value != float("inf"):
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds == float("inf"):
        return None
    return max(0.0, seconds)


@attrs.frozen(kw_only=True)
class RateLimitInfo:
    """The rate-limit figures of the latest answer for one location, as the server sent them.

    Attributes:
        limit: requests allowed per interval (``X-RateLimit-Max``).
        remaining: requests left in the current interval (``X-RateLimit-Remaining``).
        interval: the interval in seconds (``X-RateLimit-Interval-Milliseconds`` / 1000).
        daily_limit: requests allowed per day (``X-RateLimit-Limit-Daily``).
        daily_remaining: requests left today (``X-RateLimit-Daily-Remaining``).
        observed_at: when the answer arrived (UTC).
    """

    limit: int | None
    remaining: int | None
    interval: float | None
    daily_limit: int | None
    daily_remaining: int | None
    observed_at: datetime


_NAMES: Final = (
    "x-ratelimit-max",
    "x-ratelimit-remaining",
    "x-ratelimit-interval-milliseconds",
    "x-ratelimit-limit-daily",
    "x-ratelimit-daily-remaining",
)
RawFigures = tuple[str | None, str | None, str | None, str | None, str | None]
# Header figures repeat ("100", "97"...): each string is parsed once (bounded memo).
_FIGURES: dict[str, int | None] = {}


def figure(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = _FIGURES.get(raw, _FIGURES)
    if value is not _FIGURES:
        return value  # type: ignore[return-value]
    text = raw.strip()
    # No real figure is that long, and past 309 digits float() overflows.
    parsed = int(text) if len(text) <= 15 and text.isascii() and text.isdigit() else None
    if len(_FIGURES) > 4096:
        _FIGURES.clear()
    _FIGURES[raw] = parsed
    return parsed


# The pacing figures (limit, remaining, interval in ms) of recent header triples, parsed once.
_PACING: dict[tuple[str | None, str | None, str | None], tuple[int | None, ...]] = {}


def pacing(raw: RawFigures) -> tuple[int | None, ...]:
    triple = raw[:3]
    figures = _PACING.get(triple)
    if figures is None:
        if len(_PACING) > 4096:
            _PACING.clear()
        figures = _PACING[triple] = tuple(map(figure, triple))
    return figures


def raw_figures(headers: Mapping[str, str]) -> RawFigures:
    get = headers.get
    return (get(_NAMES[0]), get(_NAMES[1]), get(_NAMES[2]), get(_NAMES[3]), get(_NAMES[4]))


def rate_limit_info(raw: RawFigures, observed: float) -> RateLimitInfo | None:
    limit, remaining, interval_ms, daily_limit, daily_remaining = map(figure, raw)
    if limit is None and remaining is None and daily_remaining is None:
        return None
    return RateLimitInfo(
        limit=limit,
        remaining=remaining,
        interval=interval_ms / 1000.0 if interval_ms else None,
        daily_limit=daily_limit,
        daily_remaining=daily_remaining,
        observed_at=datetime.fromtimestamp(observed, UTC),
    )


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitInfo | None:
    """The ``X-RateLimit-*`` figures, or ``None`` when the answer carries none."""
    return rate_limit_info(raw_figures(headers), time.time())


def clock_offset(headers: Mapping[str, str]) -> float | None:
    """Server clock minus ours, from the ``Date`` header; ``None`` when there is none."""
    raw = headers.get("date")
    if not raw:
        return None
    try:
        server = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return server.timestamp() - time.time() if server.tzinfo is not None else None
