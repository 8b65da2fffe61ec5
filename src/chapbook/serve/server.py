"""The preview's web server, on 127.0.0.1 only. It serves the page and its two assets, the pages'
images, the EPUB's files (read from inside the built zip), the build report, and an event stream
that tells the page when a build starts and ends. Nothing else: no address reaches a file by its
path, so no address can reach outside what the build made."""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import unquote, urlsplit

from ..writers.render import render
from .preview import Latest

# The page's own files, served from the package's templates, and nothing else from there.
ASSETS = {"serve.js": "text/javascript; charset=utf-8", "serve.css": "text/css; charset=utf-8"}
# A comment down the event stream this often: a closed page is noticed, and proxies keep it open.
KEEPALIVE_SECONDS = 15
_PAGE_IMAGE = re.compile(r"/page/([0-9a-f]{24})\.png")
_EPUB_FILE = re.compile(r"/epub/[0-9a-f]{1,32}/(.+)")
# The EPUB's documents run no scripts of their own; the page runs only its own file.
_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
           "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream does not hold up the end
    block_on_close = False

    def __init__(self, port: int, latest: Latest):
        super().__init__(("127.0.0.1", port), PreviewHandler)
        self.latest = latest

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "chapbook"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if not self._asked_by_name():
            self._send(HTTPStatus.FORBIDDEN, b"this preview answers only to 127.0.0.1 and localhost\n", "text/plain")
            return
        path = urlsplit(self.path).path
        latest = self.server.latest
        preview = latest.preview
        if path == "/":
            self._send_html(render("serve.html.j2", preview=preview, building=latest.building))
        elif path == "/panels":
            self._send_html(render("serve-panels.html.j2", preview=preview, building=latest.building))
        elif path == "/events":
            self._stream_events()
        elif path.startswith("/assets/") and path[len("/assets/"):] in ASSETS:
            name = path[len("/assets/"):]
            self._send(HTTPStatus.OK, (resources.files("chapbook") / "templates" / name).read_bytes(), ASSETS[name])
        elif (match := _PAGE_IMAGE.fullmatch(path)) and (image := latest.image(match[1])) is not None:
            # A page's address is its pixels' digest: the same address is the same picture, for good.
            self._send(HTTPStatus.OK, image, "image/png", cache="public, max-age=31536000, immutable")
        elif (match := _EPUB_FILE.fullmatch(path)) and preview.epub is not None \
                and (found := preview.epub.file(unquote(match[1]))) is not None:
            self._send(HTTPStatus.OK, *found)
        elif path == "/report" and preview.report is not None and preview.report.is_file():
            self._send(HTTPStatus.OK, preview.report.read_bytes(), "text/html; charset=utf-8")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def _asked_by_name(self) -> bool:
        """Refuse a request addressed to another name (a web page rebinding its own name to 127.0.0.1)."""
        port = self.server.server_address[1]
        return self.headers.get("Host", "") in {f"127.0.0.1:{port}", f"localhost:{port}"}

    def _send_html(self, html: str) -> None:
        self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, cache: str = "no-cache") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", _POLICY)
        self.end_headers()
        self.wfile.write(body)

    def _stream_events(self) -> None:
        """Tell the page the build's state now and at each change, until it goes away or the server stops."""
        latest = self.server.latest
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        told = None
        try:
            self.wfile.write(b"retry: 500\n\n")
            while not latest.closed:
                revision = latest.revision
                if revision != told:
                    state = {"version": latest.preview.version, "building": latest.building}
                    self.wfile.write(f"event: state\ndata: {json.dumps(state)}\n\n".encode())
                    told = revision
                else:
                    self.wfile.write(b": waiting\n\n")
                self.wfile.flush()
                latest.wait(told, KEEPALIVE_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        pass  # a request a line would bury the builds' lines
