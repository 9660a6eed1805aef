"""Where a safetensors file splits into chunks: its header, then each tensor's bytes, in file order.

A fine-tune that freezes most of a base model changes only a few tensors. Storing each tensor as
a chunk of its own, named by its sha256, lets the store keep every unchanged tensor once, however
many fine-tunes share it. The layout comes from the header alone (an 8-byte little-endian length,
then that much JSON), read with ``struct`` and ``json``: nothing in the file is executed, and a
hostile header costs at most ``MAX_HEADER_BYTES``. A file that does not parse as safetensors is
simply not split; it is stored whole like any other file.
"""

from __future__ import annotations

import json
import struct
from typing import BinaryIO

# The limit huggingface_hub applies when it reads a safetensors header over the network.
MAX_HEADER_BYTES = 25_000_000
LENGTH_PREFIX = struct.Struct("<Q")

Range = tuple[int, int]
"""``(offset, length)`` of one chunk in the file."""


def chunk_ranges(reader: BinaryIO, size: int) -> list[Range] | None:
    """The chunks of a safetensors file, covering it end to end; None when it is not one.

    The first chunk is the length prefix and the JSON header. Each tensor's bytes follow as a
    chunk of their own, and any bytes between or after the tensors (alignment padding) become
    chunks too, so that joining the chunks in order gives back the file exactly.
    """
    reader.seek(0)
    prefix = reader.read(LENGTH_PREFIX.size)
    if len(prefix) < LENGTH_PREFIX.size:
        return None
    (header_length,) = LENGTH_PREFIX.unpack(prefix)
    data_start = LENGTH_PREFIX.size + header_length
    if header_length > MAX_HEADER_BYTES or data_start > size:
        return None
    spans = _tensor_spans(reader.read(header_length), size - data_start)
    if spans is None:
        return None
    ranges = [(0, data_start)]
    position = 0
    for begin, end in spans:
        if begin < position:
            return None  # overlapping tensors: not something a safetensors writer produces
        if begin > position:
            ranges.append((data_start + position, begin - position))
        if end > begin:
            ranges.append((data_start + begin, end - begin))
        position = end
    if data_start + position < size:
        ranges.append((data_start + position, size - data_start - position))
    return ranges


def _tensor_spans(header: bytes, data_length: int) -> list[Range] | None:
    """Each tensor's ``(begin, end)`` within the data section, sorted; None for a header that is not valid."""
    try:
        entries = json.loads(header)
    except ValueError:  # includes bytes that are not UTF-8
        return None
    if not isinstance(entries, dict):
        return None
    spans = []
    for name, entry in entries.items():
        if name == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)):
            return None
        begin, end = offsets
        if not 0 <= begin <= end <= data_length:
            return None
        spans.append((begin, end))
    return sorted(spans)
