"""A new user's first steps (issue 8), end to end against the in-package emulators:

- the pytest plugin's blocking fixtures serve plain ``def`` tests, and an emulator served from
  its own thread (``in_thread()``) serves a blocking client directly;
- a base URL that repeats the API's own prefix is refused at construction, naming the fix, and
  a path the API does not have is a wrong URL (``NotFoundError`` saying so), never a missing
  pool (``PoolNotFoundError``);
- ``normalize_phone_number`` turns everyday US formats into Bland's and refuses the rest naming
  the value, while the SDK's own calls stay exact and suggest the normalized form;
- the lazily loaded packages still show every public name to ``dir()``.
"""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
import uuid
from collections.abc import Callable

import pytest
from hypothesis import given, settings, strategies as st

import bland_pools
import ghl_pools
import pools_core.testing
from bland_pools import (
    AsyncBlandClient,
    BlandClient,
    ConfigurationError,
    DialingPool,
    InvalidPhoneNumbersError,
    PoolNotFoundError,
    normalize_phone_number,
)
from bland_pools.testing import BlandEmulator
from ghl_pools import AsyncGHLClient, GHLClient
from ghl_pools.testing import GHLEmulator

from ._support import (
    CRED_A,
    GHL_PATH,
    KEY_A,
    LOCATION,
    POOLS_PATH,
    TOKEN,
    number_pool_json,
    numbers,
    pool_json,
    with_defaults,
)

# -- the blocking fixtures in plain tests -----------------------------------------------------


def test_the_bland_blocking_fixtures_serve_a_plain_test(
    bland_blocking_client: BlandClient, bland_emulator_in_thread: BlandEmulator
) -> None:
    emu = bland_emulator_in_thread

    before = bland_blocking_client.pools.list()
    created = bland_blocking_client.pools.create(numbers(1))
    fetched = bland_blocking_client.pools.get(created.id)
    updated = bland_blocking_client.pools.update(created.id, numbers(2))

    assert before == []
    assert fetched == created
    assert (updated.id, updated.phone_numbers) == (created.id, tuple(numbers(2)))
    assert emu.pools() == [pool_json(updated)]
    assert [(r.method, r.path, r.status, r.json) for r in emu.requests] == [
        ("GET", POOLS_PATH, 200, None),
        ("POST", POOLS_PATH, 200, {"phone_numbers": numbers(1)}),
        ("GET", f"{POOLS_PATH}/{created.id}", 200, None),
        ("POST", f"{POOLS_PATH}/{created.id}/update", 200, {"phone_numbers": numbers(2)}),
    ]
    for request in emu.requests:
        assert request.headers["authorization"] == "***"  # the key was sent, and masked
        assert request.headers["user-agent"].startswith("bland-pools/")


def test_the_ghl_blocking_fixtures_serve_a_plain_test(
    ghl_blocking_client: GHLClient, ghl_emulator_in_thread: GHLEmulator
) -> None:
    emu = ghl_emulator_in_thread
    stored = emu.seed_samples()

    page = ghl_blocking_client.pools.list()

    assert page.total == len(stored) == 3
    assert [number_pool_json(p) for p in page.pools] == [with_defaults(s) for s in stored]
    assert emu.pools() == stored  # listing changed nothing
    (request,) = emu.requests
    assert (request.method, request.path, request.query, request.status) == (
        "GET",
        GHL_PATH,
        {"locationId": emu.location_id},
        200,
    )
    assert request.headers["authorization"] == "***"
    assert request.headers["version"] == "2021-07-28"


def test_an_emulator_in_its_own_thread_serves_a_blocking_client_until_the_block_ends() -> None:
    with BlandEmulator(api_keys={KEY_A: [CRED_A]}).in_thread() as emu:
        assert emu.running
        with BlandClient(api_key=KEY_A, base_url=emu.url) as bland:
            pool = bland.pools.create(numbers(3), encrypted_key=CRED_A)
        stored = emu.pools(KEY_A)

    assert stored == [pool_json(pool)]
    assert pool.encrypted_key == CRED_A
    assert [(r.method, r.path, r.status) for r in emu.requests] == [("POST", POOLS_PATH, 200)]
    assert not emu.running


# -- a wrong base URL --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["/v1", "/v1/"])
async def test_a_bland_base_url_ending_in_v1_is_refused_naming_the_fixed_url(
    bland_emu: BlandEmulator, suffix: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url + suffix)

    message = str(caught.value)
    assert "'/v1'" in message
    assert f"use {bland_emu.url!r}" in message
    assert bland_emu.requests == []


async def test_a_bland_base_url_from_the_environment_ending_in_v1_is_refused(
    bland_emu: BlandEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_BASE_URL", f"{bland_emu.url}/v1")

    with pytest.raises(ConfigurationError) as caught:
        AsyncBlandClient(api_key=KEY_A)

    assert f"base_url '{bland_emu.url}/v1'" in str(caught.value)
    assert f"use {bland_emu.url!r}" in str(caught.value)
    assert bland_emu.requests == []


@pytest.mark.parametrize("given_as", ["argument", "environment"])
async def test_a_ghl_base_url_ending_in_phone_system_is_refused_naming_the_fixed_url(
    ghl_emu: GHLEmulator, monkeypatch: pytest.MonkeyPatch, given_as: str
) -> None:
    wrong = f"{ghl_emu.url}/phone-system"
    base_url = wrong if given_as == "argument" else None  # None: from the environment
    if given_as == "environment":
        monkeypatch.setenv("GHL_BASE_URL", wrong)

    with pytest.raises(ghl_pools.ConfigurationError) as caught:
        AsyncGHLClient(token=TOKEN, base_url=base_url)

    assert "'/phone-system'" in str(caught.value)
    assert f"use {ghl_emu.url!r}" in str(caught.value)
    assert ghl_emu.requests == []


@pytest.mark.parametrize("call", ["list", "get"])
async def test_a_bland_path_the_api_lacks_is_a_wrong_url_not_a_missing_pool(
    bland_emu: BlandEmulator, call: str
) -> None:
    pool_id = str(uuid.uuid4())
    path = POOLS_PATH if call == "list" else f"{POOLS_PATH}/{pool_id}"
    # An emulator "mounted" behind a prefix it does not have: every path answers a bare 404.
    base_url = f"{bland_emu.url}/api"

    async with AsyncBlandClient(api_key=KEY_A, base_url=base_url) as bland:
        with pytest.raises(bland_pools.NotFoundError) as caught:
            await (bland.pools.list() if call == "list" else bland.pools.get(pool_id))

    error = caught.value
    assert not isinstance(error, PoolNotFoundError)
    assert "the URL looks wrong; check base_url" in str(error)
    assert f"{base_url}{path}" in str(error)
    assert (error.status, error.method, error.url) == (404, "GET", f"{base_url}{path}")
    # The resource's other name answered 404 as well (the client tried it once), and is named.
    other = path.replace("custom-dialing-pools", "geospatial-dialing-pools")
    assert [(r.method, r.path, r.status) for r in bland_emu.requests] == [
        ("GET", f"/api{path}", 404),
        ("GET", f"/api{other}", 404),
    ]
    assert any(f"{base_url}{other}" in note for note in error.__notes__)


async def test_a_ghl_path_the_api_lacks_is_a_wrong_url(ghl_emu: GHLEmulator) -> None:
    base_url = f"{ghl_emu.url}/api"

    async with AsyncGHLClient(token=TOKEN, base_url=base_url, location_id=LOCATION) as ghl:
        with pytest.raises(ghl_pools.NotFoundError) as caught:
            await ghl.pools.list()

    assert "the URL looks wrong; check base_url" in str(caught.value)
    assert f"{base_url}{GHL_PATH}?locationId={LOCATION}" in str(caught.value)
    assert caught.value.status == 404
    assert [(r.path, r.status) for r in ghl_emu.requests] == [(f"/api{GHL_PATH}", 404)]


async def _pool_or_new(
    bland: AsyncBlandClient, pool_id: str, phone_numbers: list[str]
) -> DialingPool:
    """What a user writes: the pool, or a new one when it is missing."""
    try:
        return await bland.pools.get(pool_id)
    except PoolNotFoundError:
        return await bland.pools.create(phone_numbers)


async def test_only_a_really_missing_pool_is_pool_not_found(bland_emu: BlandEmulator) -> None:
    missing = str(uuid.uuid4())

    async with (
        AsyncBlandClient(api_key=KEY_A, base_url=f"{bland_emu.url}/api") as misconfigured,
        AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as configured,
    ):
        with pytest.raises(bland_pools.NotFoundError) as caught:
            await _pool_or_new(misconfigured, missing, numbers(4))
        created = await _pool_or_new(configured, missing, numbers(4))

    assert not isinstance(caught.value, PoolNotFoundError)  # no create on a misconfiguration
    assert [(r.method, r.path, r.status) for r in bland_emu.requests] == [
        ("GET", f"/api{POOLS_PATH}/{missing}", 404),
        # The resource's other name, tried once on a route-level 404: not there either.
        ("GET", f"/api/v1/geospatial-dialing-pools/{missing}", 404),
        ("GET", f"{POOLS_PATH}/{missing}", 404),  # the emulator's own POOL_NOT_FOUND
        ("POST", POOLS_PATH, 200),
    ]
    assert bland_emu.pools(KEY_A) == [pool_json(created)]


# -- phone numbers in everyday formats ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("555-123-4567", "+15551234567"),
        ("(555) 123-4567", "+15551234567"),
        ("5551234567", "+15551234567"),
        ("12345678901", "+12345678901"),
        (" +12345678901", "+12345678901"),
        ("+1 234 567 8901", "+12345678901"),
        ("1.555.123.4567", "+15551234567"),
        ("+15551234567", "+15551234567"),
    ],
)
def test_normalize_phone_number_accepts_everyday_us_formats(written: str, normalized: str) -> None:
    assert normalize_phone_number(written) == normalized


@pytest.mark.parametrize(
    "value",
    [
        "555-1234",  # too few digits
        "+1 555 123 45678",  # too many
        "+44 20 7946 0958",  # not a US number
        "1-800-FLOWERS",  # letters
        "\uff15\uff15\uff15\uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # fullwidth digits
        "\u0665\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667",  # Arabic-Indic digits
        "",
        5551234567,
        None,
        b"5551234567",
    ],
    ids=[
        "too-few-digits",
        "too-many-digits",
        "non-us",
        "letters",
        "fullwidth-digits",
        "arabic-indic-digits",
        "empty",
        "int",
        "none",
        "bytes",
    ],
)
def test_normalize_phone_number_refuses_what_it_cannot_map_naming_the_value(
    value: object,
) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        normalize_phone_number(value)


_STYLES: list[Callable[[str], str]] = [
    lambda d: d,
    lambda d: f"{d[:3]}-{d[3:6]}-{d[6:]}",
    lambda d: f"({d[:3]}) {d[3:6]}-{d[6:]}",
    lambda d: f"{d[:3]}.{d[3:6]}.{d[6:]}",
    lambda d: f"1{d}",
    lambda d: f"1 {d[:3]} {d[3:6]} {d[6:]}",
    lambda d: f"+1{d}",
    lambda d: f"+1 ({d[:3]}) {d[3:6]}-{d[6:]}",
    lambda d: f"  +1-{d[:3]}-{d[3:6]}-{d[6:]}\t",
]
_ten_digits = st.text(alphabet=string.digits, min_size=10, max_size=10)
_PROPERTY = settings(max_examples=200, deadline=None)


@_PROPERTY
@given(_ten_digits, st.sampled_from(_STYLES))
def test_any_ten_digits_in_any_everyday_style_normalize_to_plus_one_and_the_digits(
    digits: str, style: Callable[[str], str]
) -> None:
    assert normalize_phone_number(style(digits)) == "+1" + digits


@_PROPERTY
@given(_ten_digits, st.sampled_from(_STYLES))
def test_normalize_phone_number_is_idempotent_on_its_own_output(
    digits: str, style: Callable[[str], str]
) -> None:
    once = normalize_phone_number(style(digits))

    assert normalize_phone_number(once) == once


@pytest.mark.parametrize("call", ["create", "update"])
async def test_the_sdks_calls_stay_exact_but_suggest_the_normalized_number(
    bland_emu: BlandEmulator, call: str
) -> None:
    stored = bland_emu.add_pool(KEY_A, numbers(5))

    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as bland:
        attempt = (
            bland.pools.create(["555-123-4567"])
            if call == "create"
            else bland.pools.update(stored["id"], ["555-123-4567"])
        )
        with pytest.raises(InvalidPhoneNumbersError) as caught:
            await attempt

    assert caught.value.status is None  # refused before sending
    assert caught.value.code == "INVALID_PHONE_NUMBERS"
    assert "'555-123-4567' at index 0 (did you mean '+15551234567'?)" in str(caught.value)
    assert bland_emu.requests == []
    assert bland_emu.pools(KEY_A) == [stored]


async def test_only_numbers_with_a_us_form_get_a_suggestion(bland_emu: BlandEmulator) -> None:
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url) as bland:
        with pytest.raises(InvalidPhoneNumbersError) as caught:
            await bland.pools.create(["(555) 123-4567", "555-1234", "+15551234568"])

    message = str(caught.value)
    assert "'(555) 123-4567' at index 0 (did you mean '+15551234567'?)" in message
    # No US form: no suggestion (then the pointer to normalize_phone_number).
    assert message.split("; bland_pools.normalize")[0].endswith("'555-1234' at index 1")
    assert message.count("did you mean") == 1
    assert bland_emu.requests == []


# -- what the packages show -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("package", "emulator"),
    [(bland_pools.testing, "BlandEmulator"), (ghl_pools.testing, "GHLEmulator")],
    ids=["bland_pools.testing", "ghl_pools.testing"],
)
def test_the_testing_packages_show_their_exports_to_dir(package: object, emulator: str) -> None:
    shared = ["FakeClock", "Fault", "FaultPlan", "RecordedRequest"]

    shown = dir(package)

    assert {emulator, *shared} <= set(shown)
    for name in shared:
        assert getattr(package, name) is getattr(pools_core.testing, name)
    expected = BlandEmulator if emulator == "BlandEmulator" else GHLEmulator
    assert getattr(package, emulator) is expected


_DIR_OF_A_FRESH_IMPORT = """
import json, sys
import {package} as package
loaded = sorted(m for m in ("aiohttp", "asyncio") if m in sys.modules)
shown = set(dir(package))
missing = sorted(set(package.__all__) - shown)
unresolved = []
for name in package.__all__:
    try:
        getattr(package, name)
    except AttributeError:
        unresolved.append(name)
print(json.dumps({{"loaded": loaded, "missing": missing, "unresolved": unresolved,
                  "count": len(package.__all__)}}))
"""


@pytest.mark.parametrize("package", ["bland_pools", "ghl_pools"])
def test_a_fresh_import_is_lazy_yet_dir_shows_and_getattr_resolves_every_public_name(
    package: str,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _DIR_OF_A_FRESH_IMPORT.format(package=package)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["loaded"] == []  # dir() was asked of the lazy module, before any import
    assert found["missing"] == []
    assert found["unresolved"] == []
    assert found["count"] > 20
