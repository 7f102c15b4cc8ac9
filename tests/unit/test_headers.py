"""The I/O-free readers of response headers: ``Retry-After`` (seconds, an HTTP date, or
``retry-after-ms``) and GoHighLevel's ``X-RateLimit-*`` figures, on examples and as Hypothesis
properties (never raise, never a negative or infinite wait), and the server's clock from ``Date``.

How the clients honor them is tested beside each behaviour: the retry waits in
test_retries.py, the client pace in test_pace.py, the per-location limiter in
test_ratelimit.py, the error's ``retry_after`` in test_errors.py."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

import pytest
from hypothesis import example, given, strategies as st

from pools_core._headers import clock_offset, parse_rate_limit_headers, parse_retry_after
from pools_core._ratelimit import SlidingWindowLimiter

from ._support import GHL_HEADERS, PROPERTY_SETTINGS, headers, http_date

# -- Retry-After ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": " 2.5 "}, 2.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
        ({"Retry-After": "-5"}, 0.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(values: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers(values)) == expected


def test_parse_retry_after_http_date_is_relative_to_now() -> None:
    date = "Wed, 21 Oct 2015 07:28:30 GMT"
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC).timestamp()

    assert parse_retry_after(headers({"Retry-After": date}), now=now) == 30.0


def test_parse_retry_after_date_without_zone_is_ignored() -> None:
    assert parse_retry_after(headers({"Retry-After": "Wed, 21 Oct 2015 07:28:30 -0000"})) is None


@PROPERTY_SETTINGS
@given(st.dictionaries(st.sampled_from(["Retry-After", "retry-after-ms"]), st.text(max_size=40)))
@example({"Retry-After": "1e400"})
@example({"retry-after-ms": "nan"})
@example({"Retry-After": "Mon, 99 Foo 2024 99:99:99 GMT"})
def test_parse_retry_after_never_raises_and_is_finite_and_non_negative(
    values: dict[str, str],
) -> None:
    seconds = parse_retry_after(headers(values))

    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


# -- X-RateLimit-* -------------------------------------------------------------------------


def test_parse_rate_limit_headers_reads_every_figure() -> None:
    info = parse_rate_limit_headers(headers(GHL_HEADERS))

    assert info is not None
    assert (info.limit, info.remaining, info.interval) == (100, 97, 10.0)
    assert (info.daily_limit, info.daily_remaining) == (200000, 199990)
    assert info.observed_at.tzinfo is not None
    assert info.observed_at <= datetime.now(UTC)


def test_parse_rate_limit_headers_without_figures_is_none() -> None:
    assert parse_rate_limit_headers(headers({"Content-Type": "application/json"})) is None


def test_parse_rate_limit_headers_ignores_unreadable_figures() -> None:
    info = parse_rate_limit_headers(
        headers(
            {
                "X-RateLimit-Max": "many",
                "X-RateLimit-Remaining": "-1",
                "x-ratelimit-daily-remaining": "5",
            }
        )
    )

    assert info is not None
    assert (info.limit, info.remaining, info.daily_remaining) == (None, None, 5)


@PROPERTY_SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "X-RateLimit-Max",
                "X-RateLimit-Remaining",
                "X-RateLimit-Interval-Milliseconds",
                "X-RateLimit-Limit-Daily",
                "X-RateLimit-Daily-Remaining",
            ]
        ),
        st.one_of(
            st.text(max_size=12),
            st.integers(-5, 10**6).map(str),
            # Digit runs of every length: past 309 digits an int no longer fits a float.
            st.integers(0, 5000).map(lambda n: "9" * n),
        ),
    )
)
@example({"X-RateLimit-Interval-Milliseconds": "9" * 400})
@example({"X-RateLimit-Max": "9" * 400, "X-RateLimit-Remaining": "9" * 400})
def test_parse_rate_limit_headers_never_raises(values: dict[str, str]) -> None:
    info = parse_rate_limit_headers(headers(values))

    if info is not None:
        for figure in (info.limit, info.remaining, info.daily_limit, info.daily_remaining):
            assert figure is None or figure >= 0
        assert info.interval is None or math.isfinite(info.interval)
    limiter = SlidingWindowLimiter()  # and the limiter learns from them without raising
    limiter.observe("loc", headers(values), 200)
    limiter.observe("loc", headers(values), 429)


# -- Date: the server's clock --------------------------------------------------------------


def test_clock_offset_is_the_servers_clock_minus_ours() -> None:
    ahead = datetime.fromtimestamp(time.time() + 3600, UTC)

    offset = clock_offset(headers({"Date": http_date(ahead)}))

    # Whole seconds on the wire, and some time passes between the two readings.
    assert offset is not None
    assert 3598 <= offset <= 3601


@pytest.mark.parametrize(
    "values",
    [{}, {"Date": ""}, {"Date": "yesterday"}, {"Date": "Wed, 21 Oct 2015 07:28:00 -0000"}],
)
def test_clock_offset_without_a_readable_zoned_date_is_none(values: dict[str, str]) -> None:
    assert clock_offset(headers(values)) is None
