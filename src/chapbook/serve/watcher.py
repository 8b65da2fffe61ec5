"""Watch the book's folder for saves by polling (the standard library alone, on every system): a save
is reported once the folder has been quiet for a moment, since an editor's save can be several writes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

# How often the folder is looked at (at most: a large site's, less often, so that looking takes no more
# than a tenth of the time), and how long it must stay unchanged before the saves are reported.
POLL_SECONDS = 0.2
LOOKING_SHARE = 0.1
QUIET_SECONDS = 0.1
# Editors' swap, backup and lock files: saving an essay writes these too, and they are never the book.
_SCRATCH_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".part")

Snapshot = dict[str, tuple[int, int]]


def snapshot(folder: Path, skip: tuple[Path, ...] = ()) -> Snapshot:
    """Every file below the folder (hidden ones and editors' scratch files aside) with its time of change and size."""
    skipped = {os.path.abspath(path) for path in skip}
    files: Snapshot = {}
    for parent, folders, names in os.walk(folder):
        folders[:] = [name for name in folders if not name.startswith(".")
                      and os.path.abspath(os.path.join(parent, name)) not in skipped]
        for name in names:
            if name.startswith((".", "#")) or name.endswith(_SCRATCH_SUFFIXES):
                continue
            path = os.path.join(parent, name)
            try:
                stat = os.stat(path)
            except OSError:  # removed while the folder was read
                continue
            files[path] = (stat.st_mtime_ns, stat.st_size)
    return files


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """The files added, removed or changed between two snapshots."""
    return sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))


class Watcher(threading.Thread):
    """Calls on_change with the files saved, removed or added, once each burst of saves is over."""

    def __init__(self, folder: Path, on_change: Callable[[list[str]], None], skip: tuple[Path, ...] = ()):
        super().__init__(name="chapbook-watcher", daemon=True)
        self.folder, self.on_change, self.skip = folder, on_change, skip
        self.stopping = threading.Event()

    def run(self) -> None:
        seen, interval = snapshot(self.folder, self.skip), POLL_SECONDS
        while not self.stopping.wait(interval):
            started = time.perf_counter()
            now = snapshot(self.folder, self.skip)
            interval = max(POLL_SECONDS, (time.perf_counter() - started) / LOOKING_SHARE)
            if now == seen:
                continue
            while not self.stopping.wait(QUIET_SECONDS):  # until the writing stops
                later = snapshot(self.folder, self.skip)
                if later == now:
                    break
                now = later
            self.on_change(changes(seen, now))
            seen = now

    def stop(self) -> None:
        self.stopping.set()
