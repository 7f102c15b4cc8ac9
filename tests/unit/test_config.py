"""Client configuration: arguments versus environment, base URL safety, option checks, the
timeout mapping, a caller's own session, and the client's closed state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

import bland_pools
import ghl_pools
import pools_core
from bland_pools import AsyncBlandClient, BlandClient, Timeout
from bland_pools.testing import BlandEmulator
from ghl_pools import AsyncGHLClient, GHLClient
from ghl_pools.testing import GHLEmulator

from ._support import (
    API_KEY,
    CLIENTS,
    GHL_TOKEN,
    LOCATION,
    NUMBER_POOLS_URL,
    POOL_ID,
    POOLS_URL,
    envelope,
    fixture_json,
    ghl_list_url,
    pool_json,
    pool_url,
    request_count,
    sent,
    sent_headers,
    shown_with_locals,
)

LOOPBACK_URLS = [
    "http://127.0.0.1:8080",
    "http://127.0.0.2",
    "http://localhost:3000",
    "http://LOCALHOST",
    "http://[::1]:8080",
]
PLAIN_HTTP_REMOTE_URLS = [
    "http://us.api.bland.ai",
    "http://10.0.0.5",
    "http://192.168.1.10:8080",
    "http://127.0.0.1.nip.io",
    "http://localhost.example.com",
    "http://[2001:db8::1]",
    # A name under .localhost may be sent to DNS by the resolver: not trusted as loopback.
    "http://emulator.localhost",
    "http://evil.localhost:8080",
]
MALFORMED_URLS = [
    "ftp://us.api.bland.ai",
    "us.api.bland.ai",
    "https://",
    "https://us.api.bland.ai/?region=eu",
    "https://us.api.bland.ai/#top",
    "",
    "https://us.api bland.ai",  # a space in the host: refused here, not at the first DNS lookup
    "https://us.api%20bland.ai",
]


# -- credentials and base URLs from arguments or the environment ---------------------------


async def test_bland_explicit_key_and_url_beat_the_environment(
    mock_http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_API_KEY", "env-key")
    monkeypatch.setenv("BLAND_BASE_URL", "https://env.example")
    mock_http.get(POOLS_URL, payload=envelope([]))

    async with AsyncBlandClient(api_key=API_KEY, base_url="https://us.api.bland.ai") as client:
        await client.pools.list()

    (call,) = sent(mock_http, "GET", POOLS_URL)
    assert sent_headers(call)["Authorization"] == API_KEY


async def test_bland_key_and_url_come_from_the_environment(
    mock_http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_API_KEY", "env-key")
    monkeypatch.setenv("BLAND_BASE_URL", "http://127.0.0.1:4010")
    url = "http://127.0.0.1:4010/v1/custom-dialing-pools"
    mock_http.get(url, payload=envelope([]))

    async with AsyncBlandClient() as client:
        assert client.base_url == "http://127.0.0.1:4010"
        await client.pools.list()

    (call,) = sent(mock_http, "GET", url)
    assert sent_headers(call)["Authorization"] == "env-key"


async def test_bland_default_base_url_is_the_documented_one() -> None:
    async with AsyncBlandClient(api_key=API_KEY) as client:
        assert client.base_url == "https://us.api.bland.ai" == bland_pools.DEFAULT_BASE_URL


async def test_ghl_explicit_token_and_url_beat_the_environment(
    mock_http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHL_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("GHL_BASE_URL", "https://env.example")
    monkeypatch.setenv("GHL_LOCATION_ID", "envLoc")
    mock_http.get(ghl_list_url(LOCATION), payload=fixture_json("ghl/list_success.json"))

    async with AsyncGHLClient(
        token=GHL_TOKEN, base_url="https://services.leadconnectorhq.com", location_id=LOCATION
    ) as client:
        await client.pools.list()

    (call,) = sent(mock_http, "GET", ghl_list_url(LOCATION))
    assert sent_headers(call)["Authorization"] == f"Bearer {GHL_TOKEN}"


async def test_ghl_token_and_url_come_from_the_environment(
    mock_http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHL_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("GHL_BASE_URL", "http://localhost:4020/")
    url = "http://localhost:4020/phone-system/number-pools"
    mock_http.get(url, payload=fixture_json("ghl/list_success.json"))

    async with AsyncGHLClient() as client:
        await client.pools.list()

    (call,) = sent(mock_http, "GET", url)
    assert sent_headers(call)["Authorization"] == "Bearer env-token"


async def test_ghl_default_base_url_is_the_documented_one() -> None:
    async with AsyncGHLClient(token=GHL_TOKEN) as client:
        assert client.base_url == "https://services.leadconnectorhq.com"
    assert NUMBER_POOLS_URL.startswith(ghl_pools.DEFAULT_BASE_URL)


@pytest.mark.parametrize("env_value", [None, ""])
@pytest.mark.parametrize(
    ("factory", "env_var"),
    [
        (lambda: AsyncBlandClient(), "BLAND_API_KEY"),
        (lambda: BlandClient(), "BLAND_API_KEY"),
        (lambda: AsyncGHLClient(), "GHL_ACCESS_TOKEN"),
        (lambda: GHLClient(), "GHL_ACCESS_TOKEN"),
    ],
)
def test_missing_credentials_fail_at_construction_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    factory: Callable[[], object],
    env_var: str,
    env_value: str | None,
) -> None:
    if env_value is not None:
        monkeypatch.setenv(env_var, env_value)

    with pytest.raises(pools_core.ConfigurationError, match=env_var):
        factory()


def test_missing_key_is_the_packages_configuration_error() -> None:
    with pytest.raises(bland_pools.ConfigurationError):
        AsyncBlandClient()
    with pytest.raises(ghl_pools.ConfigurationError):
        AsyncGHLClient()


@pytest.mark.parametrize("key", [123, b"bytes-key", "  ", "key\n", " key", "k\x00ey", "kéy"])
def test_an_unusable_api_key_is_refused(key: Any) -> None:
    with pytest.raises(bland_pools.ConfigurationError):
        AsyncBlandClient(api_key=key)


@pytest.mark.parametrize(("key", "kind"), [(123, "int"), (b"bytes-key", "bytes"), ([], "list")])
def test_a_credential_of_the_wrong_type_is_refused_naming_the_type(key: Any, kind: str) -> None:
    for make in (
        lambda: AsyncBlandClient(api_key=key),
        lambda: BlandClient(api_key=key),
        lambda: AsyncGHLClient(token=key),
        lambda: GHLClient(token=key),
    ):
        with pytest.raises(pools_core.ConfigurationError, match=f"must be a string, got {kind}$"):
            make()


@pytest.mark.parametrize("url", LOOPBACK_URLS)
async def test_plain_http_is_allowed_on_loopback(url: str) -> None:
    async with AsyncBlandClient(api_key=API_KEY, base_url=url) as client:
        assert client.base_url.startswith("http://")
    async with AsyncGHLClient(token=GHL_TOKEN, base_url=url) as ghl:
        assert ghl.base_url.startswith("http://")


@pytest.mark.parametrize("url", PLAIN_HTTP_REMOTE_URLS)
def test_plain_http_is_refused_for_other_hosts(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(bland_pools.ConfigurationError, match="https"):
        AsyncBlandClient(api_key=API_KEY, base_url=url)
    with pytest.raises(ghl_pools.ConfigurationError, match="https"):
        AsyncGHLClient(token=GHL_TOKEN, base_url=url)
    monkeypatch.setenv("BLAND_BASE_URL", url)
    with pytest.raises(bland_pools.ConfigurationError, match="https"):
        AsyncBlandClient(api_key=API_KEY)


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_malformed_base_urls_are_refused(url: str) -> None:
    with pytest.raises(bland_pools.ConfigurationError):
        AsyncBlandClient(api_key=API_KEY, base_url=url)


def test_a_base_url_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(bland_pools.ConfigurationError) as caught:
        AsyncBlandClient(api_key=API_KEY, base_url="https://user:hunter2@us.api.bland.ai")

    assert "hunter2" not in str(caught.value)


URL_SECRET = "SECRET-in-the-url-6c2b9e"
SECRET_URLS = ["ftp://user:{}@host", "https://host/?k={}", "https://user:{}@host"]
MORE_SECRET_URLS = ["https://host/#{}"]


@pytest.mark.parametrize("template", SECRET_URLS + MORE_SECRET_URLS)
@pytest.mark.parametrize(("client_class", "credential"), CLIENTS, ids=["bland", "ghl"])
def test_a_base_url_carrying_a_secret_is_refused_without_repeating_it(
    client_class: Callable[..., object], credential: dict[str, str], template: str
) -> None:
    with pytest.raises(pools_core.ConfigurationError) as caught:
        client_class(**credential, base_url=template.format(URL_SECRET))

    assert URL_SECRET not in str(caught.value)
    assert URL_SECRET not in repr(caught.value)


@pytest.mark.parametrize("template", SECRET_URLS)
@pytest.mark.parametrize(("client_class", "credential"), CLIENTS, ids=["bland", "ghl"])
def test_a_base_url_carrying_a_secret_is_in_no_frame_of_the_refusal(
    client_class: Callable[..., object], credential: dict[str, str], template: str
) -> None:
    with pytest.raises(pools_core.ConfigurationError) as caught:
        # Formatted in the call: no local variable of this test's frame holds the secret,
        # so the whole traceback with locals can be searched.
        client_class(**credential, base_url=template.format(URL_SECRET))

    assert URL_SECRET not in shown_with_locals(caught.value)


# -- option checks -------------------------------------------------------------------------

BAD_TIMEOUTS: list[Any] = [0, -1, 0.0, float("nan"), "30", True, None, [30]]
BAD_RETRIES: list[Any] = [-1, 21, 1.5, True, "2"]
BAD_CONNECTIONS: list[Any] = [0, -1, True, 1.5, "10", None]


@pytest.mark.parametrize("timeout", BAD_TIMEOUTS)
def test_bad_timeout_is_refused_at_construction(timeout: Any) -> None:
    with pytest.raises(bland_pools.ConfigurationError, match="timeout"):
        AsyncBlandClient(api_key=API_KEY, timeout=timeout)
    with pytest.raises(ghl_pools.ConfigurationError, match="timeout"):
        AsyncGHLClient(token=GHL_TOKEN, timeout=timeout)


@pytest.mark.parametrize("max_retries", BAD_RETRIES)
def test_bad_max_retries_is_refused_at_construction(max_retries: Any) -> None:
    with pytest.raises(bland_pools.ConfigurationError, match="max_retries"):
        AsyncBlandClient(api_key=API_KEY, max_retries=max_retries)
    with pytest.raises(ghl_pools.ConfigurationError, match="max_retries"):
        AsyncGHLClient(token=GHL_TOKEN, max_retries=max_retries)


@pytest.mark.parametrize(
    "policy", [{"initial_backoff": -1}, {"max_backoff": float("inf")}, {"max_retry_after": "5"}]
)
def test_a_bad_retry_policy_is_refused_naming_the_figure(policy: dict[str, Any]) -> None:
    (name,) = policy
    with pytest.raises(pools_core.ConfigurationError, match=name):
        pools_core.RetryPolicy(**policy)


def test_a_retry_policy_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(bland_pools.ConfigurationError, match="retry_policy"):
        AsyncBlandClient(api_key=API_KEY, retry_policy={"max_retries": 3})  # type: ignore[arg-type]


async def test_max_retries_none_means_the_policys(mock_http: aioresponses) -> None:
    mock_http.get(pool_url(), status=503, repeat=3)
    policy = pools_core.RetryPolicy(max_retries=1, initial_backoff=0.0)

    async with AsyncBlandClient(api_key=API_KEY, max_retries=None, retry_policy=policy) as bland:
        with pytest.raises(bland_pools.ServerError):
            await bland.pools.get(POOL_ID)

    assert request_count(mock_http) == 2  # the policy's one retry


@pytest.mark.parametrize("max_connections", BAD_CONNECTIONS)
def test_bad_max_connections_is_refused_at_construction(max_connections: Any) -> None:
    with pytest.raises(bland_pools.ConfigurationError, match="max_connections"):
        AsyncBlandClient(api_key=API_KEY, max_connections=max_connections)


@pytest.mark.parametrize("field", ["total", "connect", "read"])
@pytest.mark.parametrize("value", [0, -2.5, "5", True])
def test_bad_timeout_object_fields_are_refused(field: str, value: Any) -> None:
    with pytest.raises(pools_core.ConfigurationError, match=field):
        Timeout(**{field: value})


def test_bad_sync_client_options_are_refused_at_construction() -> None:
    with pytest.raises(bland_pools.ConfigurationError):
        BlandClient(api_key=API_KEY, timeout=-1)
    with pytest.raises(ghl_pools.ConfigurationError):
        GHLClient(token=GHL_TOKEN, max_retries=-1)


@pytest.mark.parametrize("timeout", [t for t in BAD_TIMEOUTS if t is not None])
async def test_bad_per_call_timeout_is_refused_before_sending(
    mock_http: aioresponses, bland: AsyncBlandClient, timeout: Any
) -> None:
    with pytest.raises(bland_pools.ConfigurationError, match="timeout"):
        await bland.pools.get(POOL_ID, timeout=timeout)

    assert request_count(mock_http) == 0


@pytest.mark.parametrize("max_retries", [-1, 21, "2", 1.5])
async def test_bad_per_call_max_retries_is_refused_before_sending(
    mock_http: aioresponses, bland: AsyncBlandClient, max_retries: Any
) -> None:
    mock_http.get(pool_url(), payload=envelope(pool_json()), repeat=True)

    with pytest.raises(bland_pools.ConfigurationError, match="max_retries"):
        await bland.pools.get(POOL_ID, max_retries=max_retries)

    assert request_count(mock_http) == 0


async def test_bad_ghl_per_call_timeout_is_refused_before_sending(
    mock_http: aioresponses, ghl: AsyncGHLClient
) -> None:
    with pytest.raises(ghl_pools.ConfigurationError, match="timeout"):
        await ghl.pools.list(location_id=LOCATION, timeout=-5)

    assert request_count(mock_http) == 0


def test_bad_version_is_refused() -> None:
    for version in ["", "  ", "v3\r\nX-Evil: 1"]:
        with pytest.raises(ghl_pools.ConfigurationError):
            AsyncGHLClient(token=GHL_TOKEN, version=version)


@pytest.mark.parametrize("location", ["a b", "\t", "x" * 200])
def test_bad_default_location_is_refused_at_construction(location: str) -> None:
    with pytest.raises(ghl_pools.ConfigurationError):
        AsyncGHLClient(token=GHL_TOKEN, location_id=location)


def test_timeout_has_a_readable_repr() -> None:
    assert repr(Timeout(total=5.0, connect=2.0, read=None)) == (
        "Timeout(total=5.0, connect=2.0, read=None)"
    )


# -- timeout mapping -----------------------------------------------------------------------


async def _sent_timeout(mock: aioresponses, client: AsyncBlandClient, **kwargs: Any) -> Any:
    mock.get(pool_url(), payload=envelope(pool_json()))
    await client.pools.get(POOL_ID, **kwargs)
    return sent(mock, "GET", pool_url())[-1].kwargs["timeout"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, aiohttp.ClientTimeout(total=30.0, sock_connect=10.0, sock_read=None)),
        (5, aiohttp.ClientTimeout(total=5.0, sock_connect=5.0, sock_read=None)),
        (60.0, aiohttp.ClientTimeout(total=60.0, sock_connect=10.0, sock_read=None)),
        (
            Timeout(total=5.0, connect=2.0, read=3.0),
            aiohttp.ClientTimeout(total=5.0, sock_connect=2.0, sock_read=3.0),
        ),
        (
            Timeout(total=None, connect=None, read=1.5),
            aiohttp.ClientTimeout(total=None, sock_connect=None, sock_read=1.5),
        ),
    ],
)
async def test_client_timeout_maps_to_an_explicit_aiohttp_timeout(
    mock_http: aioresponses, given: Any, expected: aiohttp.ClientTimeout
) -> None:
    kwargs = {} if given is None else {"timeout": given}
    async with AsyncBlandClient(api_key=API_KEY, **kwargs) as client:
        sent_timeout = await _sent_timeout(mock_http, client)

    assert sent_timeout == expected
    assert sent_timeout.connect is None  # waiting for a pooled connection counts toward total


async def test_per_call_timeout_applies_to_that_call_only(
    mock_http: aioresponses, bland: AsyncBlandClient
) -> None:
    per_call = await _sent_timeout(mock_http, bland, timeout=Timeout(total=2.0, connect=1.0))
    default = await _sent_timeout(mock_http, bland)

    assert per_call == aiohttp.ClientTimeout(total=2.0, sock_connect=1.0, sock_read=None)
    assert default == aiohttp.ClientTimeout(total=30.0, sock_connect=10.0, sock_read=None)


# -- a caller's own session ----------------------------------------------------------------


async def test_a_callers_session_is_used_and_never_closed(mock_http: aioresponses) -> None:
    mock_http.get(pool_url(), payload=envelope(pool_json()))
    session = aiohttp.ClientSession(headers={"X-Caller-Session": "yes"})
    try:
        async with AsyncBlandClient(api_key=API_KEY, session=session) as client:
            await client.pools.get(POOL_ID)
        assert client.closed
        assert not session.closed
    finally:
        await session.close()

    (call,) = sent(mock_http, "GET", pool_url())
    assert sent_headers(call)["X-Caller-Session"] == "yes"
    assert sent_headers(call)["Authorization"] == API_KEY


async def test_a_callers_session_is_not_closed_by_close(mock_http: aioresponses) -> None:
    session = aiohttp.ClientSession()
    try:
        client = AsyncGHLClient(token=GHL_TOKEN, session=session)
        await client.close()
        await client.close()
        assert not session.closed
    finally:
        await session.close()


async def test_a_callers_session_closed_by_the_caller_gives_a_clear_error(
    mock_http: aioresponses,
) -> None:
    session = aiohttp.ClientSession()
    await session.close()

    async with AsyncBlandClient(api_key=API_KEY, session=session) as client:
        with pytest.raises(RuntimeError, match="session given to this client has been closed"):
            await client.pools.list()

    assert request_count(mock_http) == 0


@pytest.mark.parametrize(
    ("connect", "is_empty", "secret", "closed_error"),
    [
        pytest.param(
            lambda bland, _ghl, session: AsyncBlandClient(
                api_key=API_KEY, base_url=bland.url, session=session
            ),
            lambda listed: listed == [],
            lambda: API_KEY,
            bland_pools.ClientClosedError,
            id="bland-without-the-key",
        ),
        pytest.param(
            lambda _bland, ghl, session: AsyncGHLClient(
                token=GHL_TOKEN, location_id=LOCATION, base_url=ghl.url, session=session
            ),
            lambda listed: listed.pools == (),
            lambda: GHL_TOKEN,
            ghl_pools.ClientClosedError,
            id="ghl-without-the-token",
        ),
    ],
)
async def test_a_call_on_a_session_the_caller_closed_raises_client_closed(
    bland_emu: BlandEmulator,
    ghl_emu: GHLEmulator,
    connect: Callable[[BlandEmulator, GHLEmulator, aiohttp.ClientSession], Any],
    is_empty: Callable[[Any], bool],
    secret: Callable[[], str],
    closed_error: type[Exception],
) -> None:
    session = aiohttp.ClientSession()
    client = connect(bland_emu, ghl_emu, session)
    assert is_empty(await client.pools.list())
    await session.close()

    with pytest.raises(closed_error) as caught:
        await client.pools.list()

    shown = shown_with_locals(caught.value)  # before any local holds the secret
    assert secret() not in shown
    assert isinstance(caught.value, RuntimeError)
    assert "session" in str(caught.value)
    assert "closed" in str(caught.value)
    await client.close()


def test_a_session_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(bland_pools.ConfigurationError, match="ClientSession"):
        AsyncBlandClient(api_key=API_KEY, session=object())  # type: ignore[arg-type]


# -- lifecycle -----------------------------------------------------------------------------


def test_an_async_client_can_be_built_outside_an_event_loop() -> None:
    client = AsyncBlandClient(api_key=API_KEY)

    assert not client.closed
    assert "open" in repr(client)


async def test_a_closed_client_refuses_calls_with_a_clear_error(mock_http: aioresponses) -> None:
    client = AsyncBlandClient(api_key=API_KEY)
    await client.close()

    with pytest.raises(RuntimeError, match="closed"):
        await client.pools.list()
    assert request_count(mock_http) == 0
    assert client.closed
    assert "closed" in repr(client)


async def test_close_is_idempotent_and_async_with_closes(
    mock_http: aioresponses, opened_sessions: list[aiohttp.ClientSession]
) -> None:
    mock_http.get(POOLS_URL, payload=envelope([]))
    sessions = opened_sessions
    async with AsyncBlandClient(api_key=API_KEY) as client:
        await client.pools.list()
        assert [s.closed for s in sessions] == [False]

    assert client.closed
    assert [s.closed for s in sessions] == [True]  # the client's own session was closed
    await client.close()
    assert client.closed


async def test_a_closed_client_cannot_be_reentered() -> None:
    client = AsyncGHLClient(token=GHL_TOKEN)
    await client.close()

    with pytest.raises(RuntimeError, match="closed"):
        async with client:
            pass


async def test_a_closed_ghl_client_refuses_calls(mock_http: aioresponses) -> None:
    client = AsyncGHLClient(token=GHL_TOKEN)
    await client.close()

    with pytest.raises(RuntimeError, match="closed"):
        await client.pools.list(location_id=LOCATION)
    assert request_count(mock_http) == 0
