"""File bytes for ``resolve``: whole or a byte range, never served unchecked.

Small files are read and checked before the first byte goes out, so a corrupt one answers with an
error. Large ones are streamed through the store's checked read, holding the last piece back until
the store has matched the whole file against its recorded digest: a corrupt blob ends the
connection short of its ``Content-Length``, and the client discards what it received. The next
piece is read and hashed in a worker thread while the event loop sends the current one, so hashing
and sending use two cores.
"""

from __future__ import annotations

import asyncio
import re
from typing import AsyncIterator, Iterable, Iterator

# Read and checked on the event loop, in well under a millisecond.
READ_INLINE_LIMIT = 1024 * 1024
CHECK_FIRST_LIMIT = 16 * 1024 * 1024

RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a ``Range`` header asks for; None for the whole file.

    Only single ranges are served; a header this parser does not understand means the whole file,
    as HTTP allows.
    """
    if not header:
        return None
    match = RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable()
    return start, end


def checked(store, sha256: str, name: str, start: int, end: int) -> bytes:
    """Bytes ``start..end`` of a small blob, after checking the whole blob."""
    return store.read_bytes(sha256, name)[start:end + 1]


def streamed(pieces: Iterable[bytes], start: int, end: int) -> Iterator[bytes]:
    """Bytes ``start..end`` of checked ``pieces``, the last held back until the check has passed."""
    offset = 0
    pending: bytes | None = None
    for piece in pieces:
        low, high = max(start - offset, 0), min(end + 1 - offset, len(piece))
        offset += len(piece)
        if low < high:
            if pending is not None:
                yield pending
            pending = piece if (low, high) == (0, len(piece)) else piece[low:high]
    if pending is not None:
        yield pending


async def sent_ahead(pieces: Iterable[bytes]) -> AsyncIterator[bytes]:
    """The pieces, each next one already being read and hashed in a worker thread while the caller
    sends the one it has."""
    loop, iterator, done = asyncio.get_running_loop(), iter(pieces), object()
    upcoming = loop.run_in_executor(None, next, iterator, done)
    try:
        while (piece := await upcoming) is not done:
            upcoming = loop.run_in_executor(None, next, iterator, done)
            yield piece
    finally:
        upcoming.cancel()  # the client went away: drop the piece being read, and any error it ends in
