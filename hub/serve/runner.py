"""Run the application with uvicorn: in the foreground for ``hub serve``, or in a thread.

The thread form is for tests and benchmarks: it binds a free port on loopback, waits until the
server answers, and always stops it. Both speak HTTP through :class:`hub.serve.limits.HeaderLimitedProtocol`,
with the header limit of the app's settings.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
import time
from typing import Iterator

STARTUP_SECONDS = 30


def _config(app, **options):
    import uvicorn

    from hub.serve.limits import HeaderLimitedProtocol

    http = functools.partial(HeaderLimitedProtocol, max_header_bytes=app.state.settings.max_header_bytes)
    return uvicorn.Config(app, http=http, timeout_keep_alive=30, **options)


def run(app, host: str, port: int, *, log_level: str = "info") -> None:
    import uvicorn

    uvicorn.Server(_config(app, host=host, port=port, log_level=log_level)).run()


@contextlib.contextmanager
def in_thread(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on a free port of ``host`` until the block ends; yields the base URL."""
    import uvicorn

    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every keep-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    config = _config(app, log_level="warning")
    config.install_signal_handlers = False
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("hub serve did not start; see the log above.")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)
        sock.close()
