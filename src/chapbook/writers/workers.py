"""Where chapbook's other processes come from: a small fork server that has imported the layout code
(WeasyPrint) and nothing of the book. Layout workers, the preflight and the EPUB's fonts start from it,
so each holds only its own work, not the build's whole book; starting it early (`start_fork_server`)
lets it import while the build reads the essays."""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

# What the fork server imports once, for every process it starts.
PRELOAD = ["chapbook.writers.pdf.piece_job"]
# The longest book (in pages) whose build's tail runs work in processes beside its own (the join, a
# second preflight reader). The build's own process holds the whole book and grows with it: on a
# 5,084-page blog it held 390 MiB while a joining process held 679, a peak of 1,162 MiB; joined in the
# build's own process, 978.
BESIDE_UP_TO = 3000


def fork_server() -> BaseContext:
    """The context every process chapbook starts is made with."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def start_fork_server() -> None:
    """Start the fork server now (it imports in a process of its own while this one goes on)."""
    fork_server()
    forkserver.ensure_running()
