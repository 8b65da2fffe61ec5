"""Where chapbook's other processes come from: a small fork server that has imported the layout code
(WeasyPrint) and nothing of the book. Layout workers and the preflight start from it, so each holds
only its own work, not the build's whole book; starting it early (`start_fork_server`) lets it
import while the build reads the essays. And a fork of the build itself (`in_fork`), for
work that needs what the build has read (the second half of the essays' Markdown)."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

# What the fork server imports once, for every process it starts.
PRELOAD = ["chapbook.writers.pdf.piece_job"]
# The longest book (in pages) whose build's tail runs work in processes beside its own (the join, a
# second preflight reader). The build's own process holds the whole book and grows with it: on a
# 5,084-page blog it held 390 MiB while a joining process held 679, a peak of 1,162 MiB; joined in the
# build's own process, 978. (Measured when the join held every piece open at once; it now holds one, and
# its peak on that blog is 401 MiB, not 655: the limit could be raised once measured again.)
BESIDE_UP_TO = 3000


def worker_count() -> int:
    """One worker a core (CHAPBOOK_JOBS=1 lays out in the build's own process, one piece at a time)."""
    wanted = os.environ.get("CHAPBOOK_JOBS", "").strip()
    return max(1, int(wanted)) if wanted.isdigit() else (os.cpu_count() or 1)


def fork_server() -> BaseContext:
    """The context every process chapbook starts is made with."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def start_fork_server() -> bool:
    """Start the fork server now (it imports in a process of its own while this one goes on). False if
    it cannot start here: the build then lays out in its own process."""
    fork_server()
    try:
        with _short_temporary_folder():
            forkserver.ensure_running()
    except OSError:
        return False
    return True


# The fork server listens on a socket in the temporary folder, and a socket's path has room for
# about 100 bytes (107 on Linux, 103 on macOS): a longer TMPDIR made every build fail.
_SOCKET_FOLDER_AT_MOST = 60


@contextmanager
def _short_temporary_folder() -> Iterator[None]:
    """While the fork server starts: a temporary folder short enough for its socket."""
    saved = tempfile.tempdir
    if len(tempfile.gettempdir()) > _SOCKET_FOLDER_AT_MOST:
        tempfile.tempdir = next((folder for folder in ("/tmp", "/var/tmp", "/dev/shm")
                                 if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)), saved)
    try:
        yield
    finally:
        tempfile.tempdir = saved


@contextmanager
def in_fork(function: Callable[..., Any], *args: Any) -> Iterator[Callable[[], Any]]:
    """Run function(*args) in a fork of this process while this one goes on. Yields a function that
    waits for its result: None where none came (no fork on this system, or threads running here, which
    a fork may catch holding a lock; the function raised; the fork was killed). The fork shares nothing
    back but its result, pickled, and leaves without running any of this process's exit work."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        yield lambda: None
        return
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(reading)
            with open(writing, "wb") as out:
                pickle.dump(function(*args), out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)  # an error included: the build's process says what is wrong, rendering it itself
    os.close(writing)
    result = open(reading, "rb")

    def waited() -> Any:
        try:
            return pickle.load(result)
        except (EOFError, pickle.UnpicklingError):
            return None

    try:
        yield waited
    finally:
        result.close()
        try:
            os.kill(pid, signal.SIGKILL)  # done, or no longer wanted (an error here, an interrupt)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def give_back_memory() -> None:
    """Hand the memory freed since to the system. glibc keeps a freed heap for the process's own later
    use: after the join of a 5,084-page book the build held 655 MiB it no longer used, through the EPUB
    and the preflight; trimmed, 121. (Other C libraries have no malloc_trim: nothing is done there.)"""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None) if libc is not None else None
    if trim is not None:
        trim(0)


_GROWN_BY = 48 * 1024 * 1024  # bytes a layout worker may grow by before it gives memory back
_settled: int | None = None  # its resident memory when it last did


def give_back_memory_when_grown() -> None:
    """After a piece, in a layout worker: give back what a long chapter took once it is done, so the
    worker holds its next chapter's memory rather than its longest's. A trim costs 10-30 ms, too much
    after each of hundreds of short chapters, so only when the process has grown since it last did."""
    global _settled
    resident = _resident_bytes()
    if resident is None:
        return
    if _settled is None:
        _settled = resident
    elif resident > _settled + _GROWN_BY:
        give_back_memory()
        _settled = _resident_bytes()


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None  # not Linux: no measure, no trim
