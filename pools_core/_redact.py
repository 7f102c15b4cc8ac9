"""The client's own secrets, taken out of what it keeps of an answer.

A server or a proxy may echo the ``Authorization`` header back (``401 {"message": "bad key
sk-..."}``, an HTML debug page with a 200). The transport hands every answer's body to
:meth:`Redactor.scrub` before anything decodes it, so the message, ``errors``, ``body``, ``raw``
and the text of an HTML page never hold the key; the error paths pass the headers they keep
through :meth:`Redactor.headers`. Each occurrence becomes :data:`REDACTED`.

A secret is looked for as sent and as a JSON or HTML encoder would write it (``\\/``,
``\\"``, ``\\u003c``, ``&amp;``): decoding turns those back into the plain key.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Final

from multidict import CIMultiDict

__all__ = ["MIN_SECRET", "REDACTED", "Redactor"]

#: What replaces each occurrence of a secret.
REDACTED: Final = "[REDACTED]"
#: Shorter values are not looked for: no real key is that short, and replacing every "key" in
#: an answer (``"encrypted_key"``) would break it.
MIN_SECRET: Final = 8

# The characters a JSON or HTML encoder may write differently from the header value.
_ESCAPED: Final = re.compile(r"[\\\"/<>&']")
_GO_HTML: Final = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def _forms(secret: str) -> set[str]:
    """``secret`` as sent and as encoders write it inside a JSON string or an HTML page."""
    if _ESCAPED.search(secret) is None:
        return {secret}
    json_form = secret.replace("\\", "\\\\").replace('"', '\\"')
    go_form = "".join(_GO_HTML.get(c, c) for c in json_form)
    return {
        secret,
        json_form,
        json_form.replace("/", "\\/"),
        go_form,
        go_form.replace("/", "\\/"),
        html.escape(secret),
    }


class Redactor:
    """Replaces the given secrets, in every written form, by :data:`REDACTED`.

    :attr:`probe` is a part of the secret that every form contains: the transport looks for
    it alone in each answer (one search), and scrubs only an answer that has it. Its ``repr``
    never shows a secret, and it refuses to be pickled.
    """

    __slots__ = ("_forms", "_text", "probe")

    def __init__(self, secrets: Iterable[str]) -> None:
        plain = set(secrets)
        forms: set[str] = set()
        for secret in plain:
            forms |= _forms(secret)
        # Longest first: a form that contains another is replaced whole.
        self._text = tuple(sorted(forms, key=len, reverse=True))
        self._forms = tuple(form.encode() for form in self._text)
        # The longest stretch of the shortest secret that no encoder changes: in every form of
        # every secret when the others contain it (a token and "Bearer <token>"); else empty,
        # and every answer is scrubbed.
        shortest = min(plain, key=len)
        self.probe: bytes = b""
        if all(shortest in secret for secret in plain):
            self.probe = max(_ESCAPED.split(shortest), key=len).encode()

    @classmethod
    def of(cls, values: Iterable[str]) -> Redactor | None:
        """A redactor for credential header values (``sk-...``, ``Bearer <token>``): the
        value and, after an auth scheme, the token alone; ``None`` when none is long enough."""
        secrets: set[str] = set()
        for value in values:
            scheme, space, token = value.partition(" ")
            for secret in (value, token) if space and scheme.isalpha() else (value,):
                if len(secret.strip()) >= MIN_SECRET:
                    secrets.add(secret.strip())
        # "Bearer <token>" is covered by its token (and shows as "Bearer [REDACTED]").
        secrets = {s for s in secrets if not any(o != s and o in s for o in secrets)}
        return cls(secrets) if secrets else None

    def scrub(self, body: bytes) -> bytes:
        """``body`` with every form of every secret replaced."""
        marker = REDACTED.encode()
        for form in self._forms:
            body = body.replace(form, marker)
        return body

    def text(self, value: str) -> str:
        """``value`` (a header, aiohttp's failure text) with every form of every secret
        replaced."""
        for form in self._text:
            value = value.replace(form, REDACTED)
        return value

    def headers(self, headers: Mapping[str, str]) -> Mapping[str, str]:
        """``headers`` as they are, or a copy with the secrets replaced when one holds any."""
        if not any(self.text(value) != value for value in headers.values()):
            return headers
        return CIMultiDict((name, self.text(value)) for name, value in headers.items())

    def __repr__(self) -> str:
        return "Redactor(***)"

    def __reduce__(self) -> str:
        raise TypeError("a Redactor holds credentials and cannot be pickled")
