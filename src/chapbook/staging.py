"""The output folder, written whole or not at all.

A build writes its files under their final names into a staging folder of its own inside the output
folder (`.chapbook-XXXX.part`), and moves them into place only when every one is written: a build that
fails, or is killed, or runs out of disk, leaves the previous book exactly as it was.

Each staging folder is locked (flock) by its build for as long as that build runs; the lock ends with
the process, however it ends. So a build first removes the staging folders nobody holds (what killed
builds left), and never one a running build is writing. The output folder itself is locked while a
build moves its files into place, so two builds into one folder leave one whole book, never a mix.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

PREFIX, SUFFIX = ".chapbook-", ".part"


class Staging:
    """This build's outputs: `stage(name)` is where to write one, `publish()` moves them all into place."""

    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.names: list[str] = []
        self.made_outdir = not outdir.exists()
        outdir.mkdir(parents=True, exist_ok=True)
        self._outdir = os.open(outdir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            with _locked(self._outdir):  # between making our folder and locking it, no build may sweep it
                remove_abandoned(outdir)
                self.folder = Path(tempfile.mkdtemp(prefix=PREFIX, suffix=SUFFIX, dir=outdir))
                self._folder = _open_folder(self.folder)
                fcntl.flock(self._folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BaseException:
            os.close(self._outdir)
            raise

    def __call__(self, name: str) -> Path:
        self.names.append(name)
        return self.folder / name

    def publish(self) -> tuple[Path, ...]:
        with _locked(self._outdir):
            for name in self.names:
                os.replace(self.folder / name, self.outdir / name)
        return tuple(self.outdir / name for name in self.names)

    def close(self) -> None:
        """Remove the staging folder and what is left in it (all of it, when the build failed)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        os.close(self._folder)
        os.close(self._outdir)
        if self.made_outdir:
            with suppress(OSError):  # removed only when empty: a build that wrote nothing leaves no trace
                self.outdir.rmdir()


@contextmanager
def staged(outdir: Path) -> Iterator[Staging]:
    stage = Staging(outdir)
    try:
        yield stage
    finally:
        stage.close()


def remove_abandoned(outdir: Path) -> None:
    """Remove the staging folders of builds that ended without cleaning up: no process holds their lock."""
    for folder in outdir.glob(f"{PREFIX}*{SUFFIX}"):
        try:
            handle = _open_folder(folder)
        except OSError:  # gone meanwhile, or not a folder we made (a link, a file): leave it
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a build that is running now
        else:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(handle)


def _open_folder(folder: Path) -> int:
    """A staging folder, opened to lock it; never through a link."""
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)


@contextmanager
def _locked(handle: int) -> Iterator[None]:
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
