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


def fork_server() -> BaseContext:
    """The context every process chapbook starts is made with."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def start_fork_server() -> None:
    """Start the fork server now (it imports in a process of its own while this one goes on)."""
    fork_server()
    forkserver.ensure_running()
