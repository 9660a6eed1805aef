"""How much one request may make the server hold: its header section, and its body.

Both are refused as soon as they pass their limit, before they are held whole: a header section
over ``max_header_bytes`` is answered 431 by the HTTP protocol itself (uvicorn's httptools parser
would otherwise gather a header of any size), and a body over ``max_body_bytes`` is answered 413
from the first chunk past the limit, or at once when its ``Content-Length`` says so. A route that
takes file bytes sets its own limit with :func:`allow_body` before reading: an LFS upload the
size its URL was signed for, a commit none (it bounds each line itself).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub.serve.errors import too_large

BODY_LIMIT = "ecohub.body_limit"
BODY_SETTING = "HUB_SERVE_MAX_BODY_BYTES or hub serve --max-body-bytes"
HEADER_SETTING = "HUB_SERVE_MAX_HEADER_BYTES or hub serve --max-header-bytes"
END_OF_HEADERS = b"\r\n\r\n"


class BodyLimit:
    """ASGI middleware: request bodies stop at ``max_body_bytes`` unless their route allows more."""

    def __init__(self, app: ASGIApp, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[BODY_LIMIT] = (self.max_body_bytes, BODY_SETTING)
        declared = _content_length(scope)
        received = 0

        async def limited() -> Message:
            nonlocal received
            limit, setting = scope[BODY_LIMIT]
            if limit is not None and declared is not None and declared > limit:
                raise too_large("The request body", limit, setting)
            message = await receive()
            received += len(message.get("body", b""))
            if limit is not None and received > limit:
                raise too_large("The request body", limit, setting)
            return message

        await self.app(scope, limited, send)


def allow_body(request: Request, limit: int | None, why: str = BODY_SETTING) -> None:
    """Let this request's body be ``limit`` bytes (None: unbounded here, the route bounds it), ``why`` says whence."""
    request.scope[BODY_LIMIT] = (limit, why)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class HeaderLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 431 once a request line and headers pass ``max_header_bytes``.

    httptools keeps a header's value until it ends, so the bytes are counted as they arrive, up to
    the blank line that ends the header section; a body is not counted.
    """

    def __init__(self, *args, max_header_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_header_bytes = max_header_bytes
        self._header_bytes = 0
        self._in_headers = True
        self._tail = b""

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            seen = self._tail + data
            end = seen.find(END_OF_HEADERS)
            self._header_bytes += len(data) if end < 0 else max(end + len(END_OF_HEADERS) - len(self._tail), 0)
            self._tail = seen[-(len(END_OF_HEADERS) - 1):]
            if self._header_bytes > self.max_header_bytes:
                self._refuse_headers()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._in_headers, self._header_bytes, self._tail = False, 0, b""
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_headers = True

    def _refuse_headers(self) -> None:
        message = (f"The request line and headers are larger than {self.max_header_bytes} bytes, the most this hub "
                   f"accepts ({HEADER_SETTING}).").encode()
        self.transport.write(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; "
                             b"charset=utf-8\r\nx-error-code: RequestHeaderFieldsTooLarge\r\nx-error-message: "
                             + message + b"\r\ncontent-length: " + str(len(message)).encode() + b"\r\nconnection: "
                             b"close\r\n\r\n" + message)
        self.transport.close()
