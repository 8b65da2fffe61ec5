"""The build cache: results that take time to make (laid-out chapters, font subsets, converted pictures),
kept under a key made from everything that changes them, so a rebuild makes only what changed.

An entry is one file: a header naming chapbook's version and the SHA-256 of the payload, then the
payload. It is written under a temporary name and renamed into place, so a reader sees a whole entry
or none, and two builds writing the same key at once both write the same bytes. An entry whose header
is not this version's, or whose payload does not match its hash (truncated, damaged), is ignored and
made again, never trusted. Entries are bytes or JSON, never pickles: a cache folder is data only.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any

from . import __version__

CACHE_FOLDER = ".chapbook-cache"
# Entries unused this long are removed after a build: what older versions and old edits left behind.
UNUSED_FOR = 3 * 24 * 3600
_MAGIC = b"chapbook-cache"


@functools.cache
def code_identity() -> bytes:
    """chapbook's version and its own code and templates, and WeasyPrint's version: a change to any
    of them changes every key (a development copy changes code without changing its version)."""
    import weasyprint

    digest = hashlib.sha256(f"{__version__} weasyprint {weasyprint.__version__}".encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".j2", ".css", ".toml") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def content_key(*parts: object) -> str:
    """A key for a result made from these inputs: strings, bytes, numbers and JSON-able structures."""
    digest = hashlib.sha256(code_identity())
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(part, sort_keys=True, default=str).encode()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class BuildCache:
    """A folder of cache entries. With `reuse` off (`--no-cache`) nothing is read back: every result is
    made anew, and entries are still written, as the layout joins chapters from files."""

    def __init__(self, folder: Path, reuse: bool = True):
        self.folder = folder
        self.reuse = reuse
        self.hits = 0
        self.misses = 0

    def path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        """A result an earlier build made, if it is whole and this version's (never, with reuse off)."""
        if not self.reuse:
            self.misses += 1
            return None
        return self.load(kind, key)

    def load(self, kind: str, key: str) -> bytes | None:
        """An entry, verified, whether or not earlier results are reused: for what this build stored."""
        try:
            raw = self.path(kind, key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        header, _, payload = raw.partition(b"\n")
        fields = header.split(b" ")
        good = (len(fields) == 3 and fields[0] == _MAGIC and fields[1] == __version__.encode()
                and fields[2] == hashlib.sha256(payload).hexdigest().encode())
        if not good:
            self.misses += 1
            return None
        self.hits += 1
        try:
            os.utime(self.path(kind, key))  # used now: kept by prune() for another while
        except OSError:
            pass
        return payload

    def verified_file(self, kind: str, key: str, sha256: str) -> Path | None:
        """The file of an entry whose payload has this hash, checked without holding it in memory (a
        reader such as qpdf skips the header line before `%PDF`); None if it is missing or not that."""
        path = self.path(kind, key)
        try:
            with path.open("rb") as handle:
                header = handle.readline().rstrip(b"\n").split(b" ")
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return None
        if header != [_MAGIC, __version__.encode(), digest.encode()] or digest != sha256:
            return None
        return path

    def put(self, kind: str, key: str, payload: bytes) -> Path:
        """Store an entry (atomically) and return the file that holds it."""
        target = self.path(kind, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        header = b" ".join((_MAGIC, __version__.encode(), hashlib.sha256(payload).hexdigest().encode()))
        handle, temporary = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header + b"\n" + payload)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    def get_json(self, kind: str, key: str) -> Any | None:
        payload = self.get(kind, key)
        if payload is None:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        self.put(kind, key, json.dumps(value, sort_keys=True).encode())

    def remember(self, kind: str, key: str, make: Callable[[], bytes]) -> bytes:
        """The stored result for this key, else make it, store it and return it."""
        found = self.get(kind, key)
        if found is None:
            found = make()
            self.put(kind, key, found)
        return found


    def prune(self, unused_for: float = UNUSED_FOR) -> int:
        """Remove the entries no build has read or written for this many seconds (and temporary files a
        killed build left); return how many went. An entry in use now is never that old."""
        removed, now = 0, time.time()
        for path in self.folder.rglob("*"):
            try:
                if path.is_file() and now - path.stat().st_mtime > unused_for:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


# Folders under a book that no build reads and that can hold many files.
_NEVER_READ = {".git", ".hg", ".svn", "node_modules", CACHE_FOLDER}


def inputs_fingerprint(folders: tuple[Path, ...], skip: Path, *settings: object) -> str:
    """Everything a build can read, by name, size and time of change (as make judges), with the code
    and packages that read it and the build's settings: the same fingerprint, the same book."""
    digest = hashlib.sha256(code_identity())
    installed = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions())
    digest.update(json.dumps([installed, settings], default=str).encode())
    skip = skip.resolve()
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            here = Path(root)
            dirs[:] = sorted(name for name in dirs if name not in _NEVER_READ and (here / name).resolve() != skip)
            for name in sorted(files):
                try:
                    stat = (here / name).stat()
                except OSError:
                    continue
                digest.update(f"{here / name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def build_cache(outdir: Path, use: bool) -> tuple[BuildCache, tempfile.TemporaryDirectory | None]:
    """The cache beside the outputs; with `use` off, a private folder that is removed after the build."""
    if use:
        return BuildCache(outdir / CACHE_FOLDER), None
    scratch = tempfile.TemporaryDirectory(prefix="chapbook-")
    return BuildCache(Path(scratch.name), reuse=False), scratch



class LastBuild:
    """What the last build of a book into a folder read and wrote. When nothing it read has changed
    and its outputs are still as it wrote them, the book is already built: a rebuild says so and
    stops, instead of reading every essay and joining every page again."""

    def __init__(self, source: Path, outdir: Path, formats: tuple[str, ...], folders: tuple[Path, ...],
                 edition: str = ""):
        self.cache = BuildCache(outdir / CACHE_FOLDER)
        # Each edition of the book writes files of its own: a record of its own (the book's key as it was).
        self.key = content_key("last build", str(source.resolve()), str(outdir.resolve()), formats,
                               *([edition] if edition else []))
        self.fingerprint = inputs_fingerprint(folders, outdir, formats, os.environ.get("SOURCE_DATE_EPOCH"),
                                              sys.version)

    def unchanged(self) -> dict | None:
        """The last build's record (its outputs, chapters, pages and warnings) if it stands."""
        record = self.cache.get_json("last-build", self.key)
        if not isinstance(record, dict) or record.get("fingerprint") != self.fingerprint:
            return None
        for name, digest in record["outputs"]:
            try:
                if file_digest(Path(name)) != digest:
                    return None
            except OSError:
                return None
        return record

    def remember(self, written: tuple[Path, ...], chapters: int, pages: int | None, warnings: list) -> None:
        outputs = [[str(path), file_digest(path)] for path in written]  # in the order they were written
        self.cache.put_json("last-build", self.key, {"fingerprint": self.fingerprint, "outputs": outputs,
                                                     "chapters": chapters, "pages": pages, "warnings": warnings})
