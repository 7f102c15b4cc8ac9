"""Small shared types: the "not given" sentinel and wrappers that keep secrets out of reprs."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Final, Literal, TypeAlias, TypeVar

from multidict import CIMultiDict, CIMultiDictProxy

from ._redact import Redactor

__all__ = ["NOT_GIVEN", "SECRET_HEADERS", "NotGiven", "NotGivenOr", "RedactedHeaders", "Secret"]

_T = TypeVar("_T")


class NotGiven(enum.Enum):
    """Marks an argument the caller left out, as opposed to one set to ``None``.

    ``update(pool_id, numbers)`` leaves a pool's credentials alone, while
    ``update(pool_id, numbers, encrypted_key=None)`` sends ``null`` and removes them.
    """

    NOT_GIVEN = "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
NotGivenOr: TypeAlias = _T | NotGiven


class Secret:
    """A credential whose ``repr`` and ``str`` never show the value.

    Tools that print locals of a traceback (rich, Sentry) see ``Secret('***')``.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            kind = type(value).__name__
            del value  # not in this frame's locals when the error is printed
            raise TypeError(f"a Secret holds a string, got {kind}")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str:
        # Refuse to pickle: a pickled client would carry its key to wherever the bytes go.
        raise TypeError("Secret values cannot be pickled")


SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie"})


class RedactedHeaders(Mapping[str, str]):
    """Read-only request headers whose ``repr`` masks credentials (logs, debuggers, tracebacks).

    ``wire`` is the same headers as aiohttp takes them (built once, not per call);
    ``json_wire`` adds ``Content-Type: application/json`` for a request with a body (the
    docs' cURL examples send it only then). ``redactor`` takes the credentials out of the
    answers to a request sent with these headers (``None`` when they carry none).
    """

    __slots__ = ("_data", "_json_wire", "redactor", "wire")

    def __init__(self, data: Mapping[str, str]) -> None:
        self._data = dict(data)
        self.wire: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict(self._data))
        self._json_wire: CIMultiDictProxy[str] | None = None
        self.redactor = Redactor.of(v for k, v in self._data.items() if k.lower() in SECRET_HEADERS)

    @property
    def json_wire(self) -> CIMultiDictProxy[str]:
        if self._json_wire is None:
            both = CIMultiDict(self._data)
            both["Content-Type"] = "application/json"
            self._json_wire = CIMultiDictProxy(both)
        return self._json_wire

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        shown = {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in self._data.items()}
        return f"RedactedHeaders({shown!r})"

    __str__ = __repr__

    def __reduce__(self) -> str:
        raise TypeError("headers holding credentials cannot be pickled")
