"""``python -m bland_pools.testing --credentials UUID``: Twilio credentials every key's
organization owns, shown in the banner; pools may name them as ``encrypted_key``, and only
them."""

from __future__ import annotations

import signal
import sys

import pytest

from bland_pools import AsyncBlandClient, InvalidCredentialsError
from bland_pools.testing import SAMPLE_CREDENTIALS
from bland_pools.testing.__main__ import main

from .test_standalone import _start, _stop, _value

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

CRED_A = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
CRED_B = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"
UNKNOWN = "6ba7b812-9dad-11d1-80b4-00c04fd430c8"


async def test_every_key_owns_the_credentials_given() -> None:
    proc, url, lines = await _start(
        "bland_pools.testing",
        *("--api-key", "key-a", "--api-key", "key-b"),
        *("--credentials", CRED_A, "--credentials", CRED_B.upper()),
    )
    try:
        assert _value(lines, "credentials") == f"{CRED_A}, {CRED_B.upper()}"
        for key in ("key-a", "key-b"):
            async with AsyncBlandClient(api_key=key, base_url=url, max_retries=0) as bland:
                a = await bland.pools.create(["+12345678901"], encrypted_key=CRED_A)
                b = await bland.pools.update(a.id, ["+12345678901"], encrypted_key=CRED_B)
                assert (a.encrypted_key, b.encrypted_key) == (CRED_A, CRED_B)
                with pytest.raises(InvalidCredentialsError):
                    await bland.pools.create(["+12345678902"], encrypted_key=UNKNOWN)
                with pytest.raises(InvalidCredentialsError):  # the docs' own: not without --samples
                    await bland.pools.create(["+12345678902"], encrypted_key=SAMPLE_CREDENTIALS)
    finally:
        code, stderr = await _stop(proc, signal.SIGINT)
    assert code == 0, stderr


async def test_samples_bring_the_docs_credentials_to_every_key() -> None:
    proc, url, lines = await _start(
        "bland_pools.testing", "--samples", "--api-key", "key-a", "--api-key", "key-b"
    )
    try:
        assert _value(lines, "credentials") == SAMPLE_CREDENTIALS
        async with AsyncBlandClient(api_key="key-b", base_url=url, max_retries=0) as bland:
            pool = await bland.pools.create(["+12345678901"], encrypted_key=SAMPLE_CREDENTIALS)
        assert pool.encrypted_key == SAMPLE_CREDENTIALS
    finally:
        code, stderr = await _stop(proc, signal.SIGINT)
    assert code == 0, stderr


async def test_without_credentials_the_banner_says_how_to_add_them() -> None:
    proc, _, lines = await _start("bland_pools.testing")
    try:
        assert _value(lines, "credentials") == "none (add with --credentials UUID)"
    finally:
        await _stop(proc, signal.SIGINT)


def test_a_credential_that_is_not_a_uuid_is_refused_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--credentials", CRED_A, "--credentials", "twilio-1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: a credential id must be a UUID, got 'twilio-1'" in err


def test_help_describes_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--credentials UUID Twilio credentials" in out
    assert "repeatable" in out
