"""A content-addressed store for a registry's files, on any backend that keeps named objects.

Every file is named by the sha256 of its bytes, and every read hashes them again, so a missing or
corrupted file is reported by name instead of being handed out. A safetensors file is stored as
chunks (its header and each tensor, see :mod:`hub.registry.safetensors_chunks`) plus a manifest
that lists them, so fine-tunes that share most tensors with their base model share the storage
too; reading joins the chunks and checks the whole file's sha256, so a pull is byte-identical to
what was registered. Every other file is stored whole.

Reads check a file against its BLAKE3 digest, recorded beside it when it was stored from the same
bytes that gave its sha256. BLAKE3 is as collision-resistant for this purpose and about four times
faster (7 GB/s on one core against 1.8 GB/s for sha256 with SHA-NI), which is what lets ``hub
serve`` check every byte it sends and still keep up with a plain file server. A file stored before
digests were recorded, or whose record is missing, is checked against its sha256 as before.
``hub verify`` checks both.

The objects, under the same keys on every backend::

    blobs/sha256/ab/cdef…      a file stored whole
    manifests/sha256/ab/cdef…  a chunked file's chunks in order, named by the whole file's sha256
    chunks/sha256/ab/cdef…     a safetensors header, a tensor's bytes, or padding
    checks/sha256/ab/cdef…     the BLAKE3 digest of a file's bytes
    tmp/…                      objects being written, which nothing reads

A backend makes each object appear whole or not at all, and chunks are written before the manifest
that lists them, and a file before its digest, so a writer killed at any moment leaves only
temporaries, unreferenced objects, and at worst a file without a digest.
:meth:`BlobStore.collect` (``hub gc``) removes those; its docstring says why that is safe while
other processes are registering.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Mapping, Protocol, runtime_checkable

import blake3

from hub.errors import HubError, IntegrityError, PluginError
from hub.registry.records import Record
from hub.registry.safetensors_chunks import Range, chunk_ranges

BLOBS, MANIFESTS, CHUNKS, CHECKS, TMP = "blobs", "manifests", "chunks", "checks", "tmp"
MANIFEST_FORMAT = "ecohub-chunked-file/1"
CHECK_FORMAT = "ecohub-file-check/1"
BLOCK = 1 << 20
SHA256_KEY = re.compile(r"(?:blobs|manifests|chunks|checks)/sha256/([0-9a-f]{2})/([0-9a-f]{62})")
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


@runtime_checkable
class ObjectStore(Protocol):
    """What a storage backend provides: named objects, each appearing whole or not at all.

    Keys are relative, ``/``-separated names such as ``chunks/sha256/ab/cdef…``.
    :class:`hub.registry.local_objects.LocalObjects` is the reference implementation; plugins
    provide others through the ``hub_storage_backends`` hook.
    """

    location: str
    """Where the objects live, for messages."""

    def write(self, key: str, pieces: Iterable[bytes]) -> None:
        """Store the pieces as ``key``. If iterating ``pieces`` raises, nothing appears under ``key``."""

    def read(self, key: str) -> Iterator[bytes]:
        """The object's bytes in pieces; raises FileNotFoundError when there is no such object."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` holds an object."""

    def size(self, key: str) -> int:
        """The object's length in bytes."""

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key that starts with ``prefix`` (such as ``"chunks/"``)."""

    def age(self, key: str) -> float:
        """Seconds since the object was written or freshened."""

    def freshen(self, key: str) -> bool:
        """Make an existing object young again, as if just written; False when it is absent."""

    def delete(self, key: str, older_than: float | None = None) -> bool:
        """Delete ``key``, but with ``older_than`` only if its age exceeds that; True if deleted.

        Where the backend can, the age check and the deletion happen as one step with respect to
        ``freshen`` (see :meth:`BlobStore.collect`).
        """


@dataclass(frozen=True)
class Manifest:
    """A chunked file: its length and its chunks' ``(sha256, length)`` in file order."""

    size: int
    chunks: list[tuple[str, int]]

    def to_bytes(self) -> bytes:
        body = {"format": MANIFEST_FORMAT, "size": self.size, "chunks": [list(chunk) for chunk in self.chunks]}
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Manifest":
        """Parse a stored manifest; ValueError when it is truncated, altered or not a manifest."""
        body = json.loads(data)
        if not isinstance(body, dict) or body.get("format") != MANIFEST_FORMAT:
            raise ValueError("not a manifest")
        chunks = [(digest, length) for digest, length in body["chunks"]]
        if not all(isinstance(d, str) and len(d) == 64 and type(n) is int and n >= 0 for d, n in chunks):
            raise ValueError("malformed chunk list")
        if sum(length for _, length in chunks) != body["size"]:
            raise ValueError("chunk lengths do not add up to the file's size")
        return cls(size=body["size"], chunks=chunks)


@dataclass(frozen=True)
class Check:
    """What a file's bytes are checked against on every read: their BLAKE3 digest."""

    blake3: str

    def to_bytes(self) -> bytes:
        return json.dumps({"format": CHECK_FORMAT, "blake3": self.blake3}, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Check":
        """Parse a stored check; ValueError when it is truncated, altered or not a check."""
        body = json.loads(data)
        if not isinstance(body, dict) or body.get("format") != CHECK_FORMAT:
            raise ValueError("not a check")
        if not isinstance(body.get("blake3"), str) or not HEX_DIGEST.fullmatch(body["blake3"]):
            raise ValueError("malformed digest")
        return cls(blake3=body["blake3"])


@dataclass(frozen=True)
class Collection(Record):
    """What :meth:`BlobStore.collect` removed (or, in a dry run, would remove)."""

    files: list[str]
    chunks: list[str]
    temporaries: list[str]
    freed_bytes: int
    dry_run: bool


class BlobStore:
    """Files named by their sha256, over an :class:`ObjectStore`."""

    def __init__(self, objects: ObjectStore):
        self.objects = objects

    # -- writing -------------------------------------------------------------------------

    def put_file(self, source: Path) -> tuple[str, int]:
        """Store a file's bytes; return (sha256, size). Storing the same bytes again stores nothing new."""
        with open(source, "rb") as reader:
            return self._put(reader, os.fstat(reader.fileno()).st_size, str(source))

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        return self._put(io.BytesIO(data), len(data), "the data")

    def _put(self, reader: BinaryIO, size: int, source: str) -> tuple[str, int]:
        """Hash first, then write only what the store lacks, checking the bytes again as they go in."""
        def changed() -> HubError:
            return HubError(f"'{source}' changed while it was being stored.",
                            "Store it again once nothing else is writing to it.")

        def content(offset: int, length: int, digest: str) -> Callable[[], Iterator[bytes]]:
            return lambda: _verified(_read_range(reader, offset, length), digest, changed)

        try:
            ranges = chunk_ranges(reader, size)
            sha256, check, digests = _digests(reader, ranges or [(0, size)])
            if ranges is None:
                self._keep(_key(BLOBS, sha256), content(0, size, sha256))
            else:
                for (offset, length), digest in zip(ranges, digests):
                    self._keep(_key(CHUNKS, digest), content(offset, length, digest))
        except EOFError:
            raise changed() from None
        if ranges is not None:
            manifest = Manifest(size=size, chunks=[(digest, length) for (_, length), digest in zip(ranges, digests)])
            self._keep(_key(MANIFESTS, sha256), lambda: [manifest.to_bytes()])
        self._keep(_key(CHECKS, sha256), lambda: [check.to_bytes()])
        return sha256, size

    def _keep(self, key: str, content: Callable[[], Iterable[bytes]]) -> None:
        """Make ``key`` hold its content: freshen it when present, so gc's grace period covers it."""
        if not self.objects.freshen(key):
            self.objects.write(key, content())

    # -- reading -------------------------------------------------------------------------

    def iter_bytes(self, sha256: str, name: str) -> Iterator[bytes]:
        """The file's bytes in pieces, for streaming; ``name`` is for errors.

        The whole file is hashed as it passes (BLAKE3, or sha256 when its check is missing) and its
        last piece is held back until the hash has matched, so a consumer never receives all of a
        corrupt file: on an IntegrityError it discards what it had (as ``copy_to`` does). A
        chunked file's chunks are hashed only after a mismatch, to name the corrupt one: hashing
        each chunk on every read as well would double the cost of a read that succeeds.
        """
        pieces, chunks = self._pieces(sha256, name)
        check = self._check(sha256)
        expected = (blake3.blake3(), check.blake3) if check else (hashlib.sha256(), sha256)
        return _held_back(pieces, *expected, lambda: self._mismatch(sha256, name, chunks))

    def _pieces(self, sha256: str, name: str) -> tuple[Iterator[bytes], list[tuple[str, int]]]:
        """The file's bytes, unchecked, and its chunks (none for a file stored whole)."""
        blob = _key(BLOBS, sha256)
        if self.objects.exists(blob):
            return self._read(blob, name), []
        chunks = self._manifest(sha256, name).chunks
        return itertools.chain.from_iterable(self._read(_key(CHUNKS, digest), name) for digest, _ in chunks), chunks

    def _check(self, sha256: str) -> Check | None:
        """The file's recorded digest; None when it has none or the record cannot be read, so
        reads fall back to the sha256 and ``verify`` names the broken record."""
        try:
            return Check.from_bytes(b"".join(self.objects.read(_key(CHECKS, sha256))))
        except (FileNotFoundError, ValueError, KeyError, TypeError):
            return None

    def read_bytes(self, sha256: str, name: str) -> bytes:
        """The file's bytes, after checking them against their checksum. ``name`` is for errors."""
        return b"".join(self.iter_bytes(sha256, name))

    def copy_to(self, sha256: str, name: str, dest: Path) -> None:
        """Write the file to ``dest`` atomically; it appears only once its checksum has matched."""
        pieces = self.iter_bytes(sha256, name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=dest.parent, prefix=f".{dest.name}.", delete=False) as out:
            try:
                out.writelines(pieces)
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, dest)

    def verify(self, sha256: str, name: str, *, record_missing: bool = False) -> bool:
        """Hash the file against both its sha256 and its recorded BLAKE3 digest; raises IntegrityError
        naming ``name`` and what is wrong. Returns whether the file has a digest record, after writing
        one, with ``record_missing``, for a sound file stored before records existed."""
        pieces, chunks = self._pieces(sha256, name)
        whole, fast = hashlib.sha256(), blake3.blake3()
        for piece in pieces:
            whole.update(piece)
            fast.update(piece)
        if whole.hexdigest() != sha256:
            raise self._mismatch(sha256, name, chunks)
        key = _key(CHECKS, sha256)
        if not self.objects.exists(key):
            if record_missing:
                self.objects.write(key, [Check(blake3=fast.hexdigest()).to_bytes()])
            return record_missing
        check = self._check(sha256)
        if check is None:
            raise _corrupt(name, f"its digest record ({key}) cannot be read", fix=_CHECK_FIX)
        if check.blake3 != fast.hexdigest():
            raise _corrupt(name, f"its digest record ({key}) does not match its bytes, which match their sha256",
                           fix=_CHECK_FIX)
        return True

    def exists(self, sha256: str) -> bool:
        return self.objects.exists(_key(BLOBS, sha256)) or self.objects.exists(_key(MANIFESTS, sha256))

    def path(self, sha256: str) -> Path:
        """The local file holding a file stored whole, or a chunked file's manifest (local stores only)."""
        return self.objects.path(self._file_key(sha256))

    def _mismatch(self, sha256: str, name: str, chunks: list[tuple[str, int]]) -> IntegrityError:
        """The error for a file whose bytes no longer match what was recorded, naming its corrupt
        chunk if one is, or its digest record if the bytes are sound and the record is not."""
        for digest, _ in chunks:
            part = hashlib.sha256()
            for piece in self._read(_key(CHUNKS, digest), name):
                part.update(piece)
            if part.hexdigest() != digest:
                return _corrupt(name, f"its chunk {digest[:12]}… no longer matches its sha256")
        whole = hashlib.sha256()
        for piece in self._pieces(sha256, name)[0]:
            whole.update(piece)
        if whole.hexdigest() == sha256:
            return _corrupt(name, f"its digest record ({_key(CHECKS, sha256)}) no longer matches its bytes, "
                                  "which match their sha256", fix=_CHECK_FIX)
        return _corrupt(name, f"its sha256 no longer matches {sha256[:12]}…")

    def _read(self, key: str, name: str) -> Iterator[bytes]:
        try:
            yield from self.objects.read(key)
        except FileNotFoundError:
            raise IntegrityError(
                f"The stored file for '{name}' is missing (object {key} in {self.objects.location}).",
                "The store was changed outside ecohub; restore it from a backup, or register the version again.",
            ) from None

    def _manifest(self, sha256: str, name: str) -> Manifest:
        key = _key(MANIFESTS, sha256)
        data = b"".join(self._read(key, name))
        try:
            return Manifest.from_bytes(data)
        except (ValueError, KeyError, TypeError):
            raise _corrupt(name, f"its list of chunks ({key}) cannot be read") from None

    # -- accounting ----------------------------------------------------------------------

    def logical_size(self, sha256s: Iterable[str]) -> int:
        """Bytes these files take once pulled; a sha256 listed twice counts twice."""
        return sum(self._footprint(sha256)[0] for sha256 in sha256s)

    def stored_size(self, sha256s: Iterable[str]) -> int:
        """Bytes the store holds for these files, counting each object, and each shared chunk, once."""
        held: dict[str, int] = {}
        for sha256 in set(sha256s):
            held.update(self._footprint(sha256)[1])
        return sum(held.values())

    def _footprint(self, sha256: str) -> tuple[int, dict[str, int]]:
        """A file's logical size, and the size of each object that holds it."""
        check = _key(CHECKS, sha256)
        held = {check: self._size(check)}
        blob = _key(BLOBS, sha256)
        if self.objects.exists(blob):
            size = self.objects.size(blob)
            return size, {**held, blob: size}
        manifest = self._manifest(sha256, sha256)
        held.update({_key(CHUNKS, digest): length for digest, length in manifest.chunks})
        held[_key(MANIFESTS, sha256)] = len(manifest.to_bytes())
        return manifest.size, held

    # -- housekeeping --------------------------------------------------------------------

    def blobs(self) -> Iterator[str]:
        """The sha256 of every file the store holds, referenced or not."""
        for prefix in (BLOBS, MANIFESTS):
            for key in self.objects.keys(f"{prefix}/"):
                if match := SHA256_KEY.fullmatch(key):
                    yield match[1] + match[2]

    def delete(self, sha256: str) -> None:
        """Remove a file; chunks that no other file lists go at the next :meth:`collect`."""
        self.objects.delete(_key(BLOBS, sha256))
        self.objects.delete(_key(MANIFESTS, sha256))
        self.objects.delete(_key(CHECKS, sha256))

    def collect(self, referenced: set[str], older_than: float, *, dry_run: bool = False) -> Collection:
        """Delete files not in ``referenced``, chunks no remaining manifest lists, digest records of
        no remaining file, and temporaries, each only once it is older than ``older_than`` seconds.

        Why this is safe while other processes register versions: a registration writes or
        freshens its chunks, then its manifest or blob, and only then commits the database row
        that refers to them. ``referenced`` was read before anything is deleted, so a file it lacks
        is either truly unreferenced or belongs to a registration in flight, and everything such
        a registration has touched is younger than ``older_than``, provided a registration takes
        less time than that. Reusing stored bytes freshens them, and each deletion checks the age
        again as it deletes (under a lock on local disks), so an old orphan that a registration is
        adopting is either kept, or deleted first and then found absent and written again. With
        ``older_than=0`` none of this holds: the objects of a registration in flight are deleted.

        A manifest that cannot be read stops the collection with an IntegrityError: which chunks
        it lists is unknown, so none of the unlisted ones can be told to be garbage.
        """
        stored = {sha256: self._file_key(sha256) for sha256 in self.blobs()}
        files = {sha256: key for sha256, key in stored.items()
                 if sha256 not in referenced and self._stale(key, older_than)}
        listed: set[str] = set()
        for sha256, key in stored.items():
            if sha256 not in files and key.startswith(MANIFESTS):
                listed.update(digest for digest, _ in self._manifest(sha256, sha256).chunks)
        chunks = self._unlisted(CHUNKS, listed, older_than)
        checks = self._unlisted(CHECKS, stored.keys() - files.keys(), older_than)
        temporaries = [key for key in self.objects.keys(f"{TMP}/") if self._stale(key, older_than)]
        planned = [*files.values(), *chunks, *checks, *temporaries]
        sizes = {key: self._size(key) for key in planned}
        if not dry_run:
            removed = {key for key in planned if self.objects.delete(key, older_than)}
            files = {sha256: key for sha256, key in files.items() if key in removed}
            chunks = [key for key in chunks if key in removed]
            temporaries = [key for key in temporaries if key in removed]
            sizes = {key: size for key, size in sizes.items() if key in removed}
        return Collection(
            files=list(files), chunks=[_sha_of(key) for key in chunks], temporaries=temporaries,
            freed_bytes=sum(sizes.values()), dry_run=dry_run,
        )

    def _unlisted(self, kind: str, kept: set[str], older_than: float) -> list[str]:
        """Stale objects of ``kind`` whose sha256 is not in ``kept``."""
        return [key for key in self.objects.keys(f"{kind}/")
                if (match := SHA256_KEY.fullmatch(key)) and match[1] + match[2] not in kept
                and self._stale(key, older_than)]

    def _file_key(self, sha256: str) -> str:
        blob = _key(BLOBS, sha256)
        return blob if self.objects.exists(blob) else _key(MANIFESTS, sha256)

    def _stale(self, key: str, older_than: float) -> bool:
        try:
            return self.objects.age(key) > older_than
        except FileNotFoundError:
            return False

    def _size(self, key: str) -> int:
        try:
            return self.objects.size(key)
        except FileNotFoundError:
            return 0


def _key(kind: str, sha256: str) -> str:
    return f"{kind}/sha256/{sha256[:2]}/{sha256[2:]}"


def _sha_of(key: str) -> str:
    _, _, prefix, rest = key.split("/")
    return prefix + rest


def _read_range(reader: BinaryIO, offset: int, length: int) -> Iterator[bytes]:
    """The bytes at ``offset``; EOFError if the file has become shorter than its size said."""
    reader.seek(offset)
    while length > 0:
        block = reader.read(min(BLOCK, length))
        if not block:
            raise EOFError
        length -= len(block)
        yield block


def _digests(reader: BinaryIO, ranges: list[Range]) -> tuple[str, Check, list[str]]:
    """The whole file's sha256 and check, and each range's sha256, in one pass over the ranges in order."""
    whole, fast, parts = hashlib.sha256(), blake3.blake3(), []
    for offset, length in ranges:
        part = hashlib.sha256()
        for block in _read_range(reader, offset, length):
            whole.update(block)
            fast.update(block)
            part.update(block)
        parts.append(part.hexdigest())
    return whole.hexdigest(), Check(blake3=fast.hexdigest()), parts


_RESTORE = "Restore the store from a backup, or register the version again."
_CHECK_FIX = ("Delete that record: reads then check the sha256 instead, and 'hub verify --record-digests' "
              "records the digest again.")


def _corrupt(name: str, detail: str, *, fix: str = _RESTORE) -> IntegrityError:
    return IntegrityError(f"The stored file for '{name}' is corrupt: {detail}.", fix)


def _verified(pieces: Iterable[bytes], sha256: str, error: Callable[[], Exception]) -> Iterator[bytes]:
    """Pass the pieces through, then raise ``error()`` if together they do not hash to ``sha256``."""
    digest = hashlib.sha256()
    for piece in pieces:
        digest.update(piece)
        yield piece
    if digest.hexdigest() != sha256:
        raise error()


def _held_back(pieces: Iterable[bytes], digest, expected: str, error: Callable[[], Exception]) -> Iterator[bytes]:
    """Pass the pieces through but the last, which follows only once ``digest`` (a fresh hash
    object) of them all is ``expected``; otherwise raise ``error()`` in its place."""
    pending = None
    for piece in pieces:
        digest.update(piece)
        if pending is not None:
            yield pending
        pending = piece
    if digest.hexdigest() != expected:
        raise error()
    if pending is not None:
        yield pending


def open_store(location: str, backends: Mapping[str, Callable[[str], ObjectStore]] | None = None) -> BlobStore:
    """The store at ``location``: a local directory, or a URI whose scheme a backend opens."""
    from hub.registry.local_objects import LocalObjects

    scheme, separator, _ = location.partition("://")
    if not separator:
        return BlobStore(LocalObjects(Path(location)))
    if scheme == "file":
        return BlobStore(LocalObjects(Path(location[len("file://"):])))
    if backends and scheme in backends:
        objects = backends[scheme](location)
        if not isinstance(objects, ObjectStore):
            raise PluginError(
                f"The storage backend for '{scheme}://' returned a {type(objects).__name__}, not an object store.",
                "Update or remove the plugin that provides it; 'hub plugins list' names it.",
            )
        return BlobStore(objects)
    raise HubError(
        f"No storage backend handles '{scheme}://' store locations.",
        "Install a plugin that provides one, such as ecohub-fsspec, then check 'hub plugins list'.",
    )
