"""A minimal, fast HTTP/1.1 keep-alive server for the overhead benchmark.

It exists so that the *client* is the bottleneck of ``bench_overhead.py``: an ``aiohttp.web``
server costs about as much CPU per request as an aiohttp client, so both sides would be
server-bound and the SDK/raw ratio would hide the SDK's overhead. This server is a bare
``asyncio.Protocol`` that parses just enough of each request (request line, headers up to the
blank line, a ``Content-Length`` body if any) and answers from pre-built bytes:

* ``GET /v1/custom-dialing-pools/<id>`` -> ``200`` with the success envelope of Bland's
  "Get Custom Dialing Pool" docs (the same bytes whatever the id);
* ``GET /v1/custom-dialing-pools`` -> ``200`` with an empty list (an organization about to be
  provisioned);
* ``POST /v1/custom-dialing-pools`` -> ``200`` with a new pool: a fresh id, the request's
  own ``phone_numbers`` (the body is echoed into the envelope, not parsed);
* ``GET /phone-system/number-pools`` -> ``200`` with the GoHighLevel docs' example page (its
  pool twice), and ``X-RateLimit-*`` headers with a limit far above any benchmark's pace
  (10,000 per 100 ms: the SDK caps a stated limit at 10,000 per interval);
* anything else -> ``404`` with Bland's ``POOL_NOT_FOUND`` error envelope.

Every answer carries ``Content-Type: application/json``, ``Content-Length`` and a ``Date``
header (rebuilt once a second). Pipelined requests are answered in order, in one write per
``data_received``. A request with ``Connection: close`` gets its answer, then the connection
is closed.

Run standalone (the benchmark starts it this way, in another process)::

    python benchmarks/_server.py [--host 127.0.0.1] [--port 0]

It prints ``LISTENING <port>`` on stdout once it accepts connections, and serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import sys
import time
import uuid
from typing import Final

__all__ = ["GET_PATH_PREFIX", "POOL_ID", "SUCCESS_BODY", "HttpProtocol", "main", "serve"]

#: The pool id of the docs' example; the benchmark asks for this one.
POOL_ID: Final = "550e8400-e29b-41d4-a716-446655440001"
GET_PATH_PREFIX: Final = b"/v1/custom-dialing-pools/"

#: The docs' "Success Response" of GET /v1/custom-dialing-pools/{pool_id}.
SUCCESS_BODY: Final = json.dumps(
    {
        "status": "success",
        "data": {
            "id": POOL_ID,
            "owner_id": "550e8400-e29b-41d4-a716-446655440002",
            "phone_numbers": ["+12345678901", "+19876543210", "+15551234567"],
            "encrypted_key": "550e8400-e29b-41d4-a716-446655440000",
            "created_at": "2024-01-15T10:30:00Z",
        },
        "errors": None,
    },
    separators=(",", ":"),
).encode()

NOT_FOUND_BODY: Final = json.dumps(
    {
        "status": "error",
        "data": None,
        "errors": [{"error": "POOL_NOT_FOUND", "message": "Geospatial dialing pool not found"}],
    },
    separators=(",", ":"),
).encode()

_GHL_POOL: Final = {
    "id": "ve9EPM428h8vShlRW1KT",
    "name": "Sales Team Pool",
    "locationId": "loc123",
    "numbers": [{"phoneNumber": "+14155552671", "friendlyName": "Sales Line 1"}],
    "forwardingNumber": "+14155552671",
    "whisper": True,
    "whisperMessage": "Incoming call from sales line",
    "callRecording": True,
    "isActive": True,
    "inboundCallService": {"type": "voice_ai", "value": "68e381b296a83800a27cd1"},
}
#: The GoHighLevel docs' "successful-response" example, with its pool twice.
GHL_BODY: Final = json.dumps(
    {"success": True, "data": [_GHL_POOL, _GHL_POOL], "total": 2}, separators=(",", ":")
).encode()
GHL_PATH: Final = b"/phone-system/number-pools"
#: A limit no benchmark reaches: 10,000 per 100 ms, 100,000 requests a second. (The SDK caps a
#: stated limit at 10,000 per interval, so "1,000,000 per 10 s" would be read as 10,000 per
#: 10 s, 1,000 a second, and its limiter would pace the benchmark.) The short interval also
#: keeps the limiter's window near the real one (100 sends) rather than 10 s of traffic.
_GHL_HEADERS: Final = (
    b"X-RateLimit-Max: 10000\r\nX-RateLimit-Remaining: 9999\r\n"
    b"X-RateLimit-Interval-Milliseconds: 100\r\nX-RateLimit-Limit-Daily: 100000000\r\n"
    b"X-RateLimit-Daily-Remaining: 99999999\r\n"
)
LIST_PATH: Final = b"/v1/custom-dialing-pools"
EMPTY_LIST_BODY: Final = b'{"status":"success","data":[],"errors":null}'
_CREATED_HEAD: Final = (
    b'{"status":"success","data":{"id":"%s","owner_id":"550e8400-e29b-41d4-a716-446655440002",'
    b'"encrypted_key":null,"created_at":"2024-01-15T10:30:00Z",'
)

_HEAD_END: Final = b"\r\n\r\n"
_MAX_HEAD: Final = 64 * 1024
_CONTENT_LENGTH: Final = b"\r\ncontent-length:"
_CONNECTION_CLOSE: Final = b"\r\nconnection: close"


class _Answers:
    """The full response bytes per status, rebuilt when the ``Date`` second changes."""

    __slots__ = ("_second", "date", "ghl", "listed", "not_found", "ok")

    def __init__(self) -> None:
        self._second = -1
        self.ok = self.not_found = self.ghl = self.listed = self.date = b""
        self.refresh()

    @staticmethod
    def build(status: bytes, body: bytes, date: bytes, extra: bytes = b"") -> bytes:
        return b"".join(
            (
                b"HTTP/1.1 ",
                status,
                b"\r\nContent-Type: application/json\r\n",
                extra,
                b"Content-Length: ",
                str(len(body)).encode(),
                b"\r\nDate: ",
                date,
                b"\r\n\r\n",
                body,
            )
        )

    def refresh(self) -> None:
        """Rebuild the answers if the wall-clock second moved on."""
        now = int(time.time())
        if now == self._second:
            return
        self._second = now
        date = self.date = email.utils.formatdate(now, usegmt=True).encode()
        self.ok = self.build(b"200 OK", SUCCESS_BODY, date)
        self.not_found = self.build(b"404 Not Found", NOT_FOUND_BODY, date)
        self.ghl = self.build(b"200 OK", GHL_BODY, date, _GHL_HEADERS)
        self.listed = self.build(b"200 OK", EMPTY_LIST_BODY, date)

    def created(self, body: bytes) -> bytes:
        """A create's answer: a fresh id, and the request's ``phone_numbers`` as sent."""
        start = body.find(b'"phone_numbers"')
        numbers = body[start : body.find(b"]", start) + 1] if start >= 0 else b'"phone_numbers":[]'
        pool = _CREATED_HEAD % str(uuid.uuid4()).encode() + numbers + b'},"errors":null}'
        return self.build(b"200 OK", pool, self.date)


_ANSWERS: Final = _Answers()
_BAD_REQUEST: Final = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class HttpProtocol(asyncio.Protocol):
    """One client connection: buffers bytes, answers every complete request in order."""

    __slots__ = ("_buffer", "_transport")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        transport = self._transport
        if transport is None:
            return
        buffer = self._buffer
        buffer += data
        out: list[bytes] = []
        close = False
        while True:
            end = buffer.find(_HEAD_END)
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    out.append(_BAD_REQUEST)
                    close = True
                break
            head = bytes(buffer[:end])
            # The request line ends at the first CRLF (or at the blank line if no headers).
            line_end = head.find(b"\r\n")
            request_line = head if line_end < 0 else head[:line_end]
            parts = request_line.split(b" ")
            if len(parts) != 3:
                out.append(_BAD_REQUEST)
                close = True
                break
            lowered = head.lower()
            body_length = 0
            at = lowered.find(_CONTENT_LENGTH)
            if at >= 0:
                value_end = lowered.find(b"\r\n", at + 2)
                raw = lowered[at + len(_CONTENT_LENGTH) : value_end if value_end >= 0 else None]
                try:
                    body_length = int(raw.strip())
                except ValueError:
                    out.append(_BAD_REQUEST)
                    close = True
                    break
            request_end = end + len(_HEAD_END) + body_length
            if len(buffer) < request_end:
                break  # the body is still on its way
            body = bytes(buffer[end + len(_HEAD_END) : request_end])
            del buffer[:request_end]
            method, target = parts[0], parts[1]
            _ANSWERS.refresh()
            if method == b"GET" and target.startswith(GET_PATH_PREFIX):
                out.append(_ANSWERS.ok)
            elif method == b"GET" and target.startswith(GHL_PATH):
                out.append(_ANSWERS.ghl)
            elif method == b"GET" and target == LIST_PATH:
                out.append(_ANSWERS.listed)
            elif method == b"POST" and target == LIST_PATH:
                out.append(_ANSWERS.created(body))
            else:
                out.append(_ANSWERS.not_found)
            if _CONNECTION_CLOSE in lowered or parts[2] == b"HTTP/1.0":
                close = True
                break
        if out:
            transport.write(out[0] if len(out) == 1 else b"".join(out))
        if close:
            transport.close()


async def serve(host: str, port: int) -> None:
    """Listen on ``host:port`` (``0``: any free port), announce the port, serve forever."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HttpProtocol, host, port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"LISTENING {bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    """Command line entry point: ``python benchmarks/_server.py [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (0: any free port)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
