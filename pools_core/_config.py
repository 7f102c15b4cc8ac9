"""Client configuration: timeouts, environment lookup, base URL safety, the User-Agent."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from typing import Any, Final, TypeAlias

import attrs
import yarl

from ._exceptions import ConfigurationError
from ._types import Secret

__all__ = [
    "HiddenURL",
    "Timeout",
    "TimeoutLike",
    "check_header_value",
    "conceal",
    "hide_url",
    "resolve_base_url",
    "resolve_secret",
    "shown_url",
]


def _positive_finite(value: object) -> bool:
    # inf passes "> 0" but aiohttp cannot schedule it; NaN fails every comparison.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _positive_or_none(_: Any, attribute: Any, value: Any) -> None:
    if value is None:
        return
    if not _positive_finite(value):
        raise ConfigurationError(
            f"Timeout.{attribute.name} must be a positive number of seconds (or None for no "
            f"limit), got {value!r}"
        )


@attrs.frozen(kw_only=True)
class Timeout:
    """Per-attempt time limits in seconds; ``None`` means no limit of that kind.

    ``total`` bounds a whole attempt (connect, send, read); ``connect`` bounds opening a new
    connection; ``read`` bounds each wait for bytes from the server. The
    default sets no ``read`` bound: ``total`` covers it, and a per-read timer costs throughput.
    Waiting for a free connection of the pool counts toward ``total`` but not ``connect``.
    """

    total: float | None = attrs.field(default=30.0, validator=_positive_or_none)
    connect: float | None = attrs.field(default=10.0, validator=_positive_or_none)
    read: float | None = attrs.field(default=None, validator=_positive_or_none)


TimeoutLike: TypeAlias = float | Timeout


def as_timeout(value: TimeoutLike) -> Timeout:
    """A number is a total limit (with the default connect bound, capped at the total)."""
    if isinstance(value, Timeout):
        return value
    if not _positive_finite(value):
        raise ConfigurationError(
            f"timeout must be a positive number of seconds or a Timeout, got {value!r}"
        )
    total = float(value)
    return Timeout(total=total, connect=min(10.0, total))


class _Unusable(Secret):
    """Stands in for a credential of the wrong type (``bytes`` read from a file or a cache):
    only the type's name is kept, so the value is in no frame when the error is raised."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        super().__init__("")
        self.type_name = type_name


def conceal(value: object) -> Secret | None:
    """A credential wrapped at once, so no frame of ours holds it in plain text (tools that
    print a traceback's locals, such as Sentry and rich, would show it). A value of another
    type is dropped for a stand-in that :func:`refused_type` reports."""
    if isinstance(value, str):
        return Secret(value)
    if value is None or isinstance(value, Secret):
        return value
    return _Unusable(type(value).__name__)


def refused_type(secret: Secret | None) -> str | None:
    """The type name of a credential :func:`conceal` could not take, else ``None``."""
    return secret.type_name if isinstance(secret, _Unusable) else None


def _from_env(env_var: str) -> Secret | None:
    return conceal(os.environ.get(env_var) or None)


def resolve_secret(value: str | Secret | None, env_var: str, what: str) -> Secret:
    """The explicit value, else the environment variable; never echoes the value in errors."""
    secret = conceal(value)
    del value
    if secret is None:
        secret = _from_env(env_var)
        if secret is None:
            raise ConfigurationError(
                f"No {what} given: pass {what}=... or set the {env_var} environment variable"
            )
    wrong = refused_type(secret) if isinstance(secret, Secret) else type(secret).__name__
    if wrong is not None:
        raise ConfigurationError(f"{what} must be a string, got {wrong}")
    check_header_value(secret, what)
    return secret


def _header_problem(value: str) -> str | None:
    """What makes ``value`` unfit for a header, or ``None``. Never raises: the plain value
    lives only in this frame, which is gone before any error is raised."""
    if not value or not value.strip():
        return "is empty"
    if value != value.strip() or any(c in value for c in "\r\n\0"):
        return "contains whitespace or control characters (check how it was read)"
    if not value.isascii() or not value.isprintable():
        return "contains characters that cannot be sent in a header"
    return None


def check_header_value(value: str | Secret, what: str) -> None:
    """Refuse a value (a credential too) that would break or inject into a header, without
    showing it."""
    problem = _header_problem(value.reveal() if isinstance(value, Secret) else value)
    if problem is not None:
        raise ConfigurationError(f"{what} {problem}")


def _is_loopback(host: str) -> bool:
    """A literal loopback address, or the name ``localhost`` (which the SDK's own connector
    resolves to loopback addresses only: see :class:`LoopbackResolver`). Other names under
    ``.localhost`` are not trusted: a resolver may send them to DNS."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class HiddenURL:
    """A ``base_url`` argument, held so that its ``repr`` masks it: a URL can carry a
    credential (``https://user:KEY@host``), and tools that print a traceback's locals would
    show the constructor's argument."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"HiddenURL({shown_url(self.value)})"


def hide_url(value: str | HiddenURL | None) -> HiddenURL | None:
    return HiddenURL(value) if isinstance(value, str) else value


def shown_url(raw: str) -> str:
    """A URL as an error may show it: without credentials, query or fragment (where a key
    may hide: ``https://user:KEY@host``, ``?key=...``)."""
    try:
        url = yarl.URL(raw.strip())
    except (ValueError, TypeError):
        return "(a value that is not a URL)"
    if not url.absolute:
        return "(a value that is not an absolute URL)"
    masked = url.with_user(None).with_query(None).with_fragment(None)
    hidden = " (credentials, query and fragment hidden)" if masked != url else ""
    return repr(str(masked)) + hidden


# A host as it goes on the wire: letters, digits, '-', '_' and dots (IDNA already applied),
# or an IP address (IPv6 without its brackets).
_HOST: Final = re.compile(r"[A-Za-z0-9_.-]+|[0-9A-Fa-f:.]+")


def resolve_base_url(
    value: str | HiddenURL | None, env_var: str, default: str, api_prefix: str = ""
) -> str:
    """The explicit base URL, else the environment variable, else the default; without a
    trailing slash. Plain ``http://`` is refused except to loopback (the emulators), because
    the API key would cross the network in clear text. A URL whose path ends in the API's own
    prefix (``/v1``, which every path starts with) is refused: every call would go to
    ``/v1/v1/...`` and answer 404. Errors never repeat credentials or a query."""
    if isinstance(value, HiddenURL):
        value = value.value
    raw = value if value is not None else (os.environ.get(env_var) or default)
    if not isinstance(raw, str):
        raise ConfigurationError(f"base_url must be a string, got {type(raw).__name__}")
    shown = shown_url(raw)
    try:
        url = yarl.URL(raw.strip())
    except (ValueError, TypeError):
        raise ConfigurationError(f"base_url {shown} is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base_url {shown} must be an absolute http(s) URL")
    if url.user or url.password:
        raise ConfigurationError(
            f"base_url {shown} must not carry credentials; pass the API key instead"
        )
    if url.query_string or url.fragment:
        raise ConfigurationError(f"base_url {shown} must not have a query or fragment")
    if not _HOST.fullmatch(url.raw_host or ""):
        raise ConfigurationError(f"base_url {shown} has an invalid host name")
    if api_prefix and url.path.rstrip("/").endswith(api_prefix):
        fixed = str(url.with_path(url.path.rstrip("/")[: -len(api_prefix)] or "/")).rstrip("/")
        raise ConfigurationError(
            f"base_url {shown} ends in {api_prefix!r}, which the SDK puts at the start of "
            f"every path itself; use {fixed!r}"
        )
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ConfigurationError(
            f"base_url {shown} uses plain http to a host that is not a loopback address; the "
            "API key would be sent in clear text. Use https:// (or http://127.0.0.1 for a "
            "local emulator)"
        )
    return str(url).rstrip("/")
