"""`chapbook serve`: the book's pages in a browser while it is written.

1. A build into a private folder (a temporary one, or -o), its cache kept there, so a rebuild lays out
   only what changed (builder.py, one background thread, one build at a time).
2. A watcher that polls the book's folder and asks for a build once a burst of saves is over (watcher.py).
3. From each build, a preview: the PDF's pages as images with their spreads and contents (pages.py), the
   EPUB's documents read from its zip (epub_view.py), the warnings, or the error and the last good pages
   (preview.py).
4. A web server on 127.0.0.1 that serves the page (templates/serve.html.j2, serve.js, serve.css) and
   tells it, by server-sent events, when to fetch what changed (server.py).
"""

from __future__ import annotations

import os
import signal
import tempfile
import webbrowser
from pathlib import Path

from ..errors import ChapbookError
from ..writers.workers import start_fork_server
from .builder import Builder, quiet_logger, say
from .preview import Latest, Preview
from .server import PreviewServer
from .watcher import Watcher

DEFAULT_PORT = 8000


def serve(source: Path, outdir: Path | None = None, port: int = DEFAULT_PORT, open_browser: bool = False,
          jobs: int | None = None) -> int:
    """Serve the preview until Ctrl-C; build the book now and after every save."""
    quiet_logger()
    latest = Latest(Preview(0, title=source.resolve().name))
    try:
        server = PreviewServer(port, latest)
    except OSError as error:
        raise ChapbookError(None, None, f"cannot listen on 127.0.0.1 port {port} ({error.strerror}); give "
                                        f"another with --port N (0: any free port)") from None
    # Ctrl-C and a service manager's stop end the server, even where a shell started it ignoring Ctrl-C.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    start_workers_deaf_to_ctrl_c()
    scratch = tempfile.TemporaryDirectory(prefix="chapbook-serve-") if outdir is None else None
    builder = Builder(source, Path(scratch.name) if scratch else outdir, latest, jobs)
    folder = source if source.is_dir() else source.parent
    watcher = Watcher(folder, builder.request, skip=(builder.outdir,))
    builder.start()
    builder.request([])
    watcher.start()
    print(f"chapbook: previewing {source} at {server.address} (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(server.address)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    try:
        say("stopping" + (" when the build under way ends" if latest.building else ""))
        watcher.stop()
        builder.stop()
        latest.close()
        server.server_close()
        builder.join()  # its layout workers end with the build
    except KeyboardInterrupt:  # asked twice: now
        os._exit(0)
    finally:
        if scratch is not None:
            scratch.cleanup()
    return 0


def start_workers_deaf_to_ctrl_c() -> None:
    """Start the layout workers' fork server with Ctrl-C ignored, which its workers inherit: Ctrl-C at
    the terminal goes to every process of the group, and a worker would die of it with a traceback,
    where the server lets the build under way finish and then stops."""
    interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        start_fork_server()
    finally:
        signal.signal(signal.SIGINT, interrupt)
