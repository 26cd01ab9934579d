"""A small threaded HTTP server on loopback that plays a news site from a dict of pages.

Used by ``newscrawl demo`` and by the tests (which generate big sites on top of
it). Each path has its behaviour: a status, headers, a redirect, or "fail the
first N requests with 503/429 and this Retry-After". The literal ``__BASE__``
in bodies and headers becomes the server's base URL, so pages can carry
absolute links (RSS needs them) before the port is known. Every request is
recorded (method, path, headers, time) so callers can check what a crawler did.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE_TOKEN = "__BASE__"
HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass
class Page:
    body: str | bytes = b""
    status: int = 200
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    fail_first: int = 0  # answer the first N requests with fail_status instead
    fail_status: int = 503
    fail_headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow page)
    hold: threading.Event | None = None  # answers only once this is set (a test decides when a crawl may go on)


def redirect(location: str, status: int = 301) -> Page:
    return Page(status=status, headers={"Location": location}, body=b"")


@dataclass(frozen=True)
class Hit:
    method: str
    path: str  # as requested, with the query
    headers: dict[str, str]
    status: int
    at: float  # time.monotonic() when the request arrived


class _Server(ThreadingHTTPServer):
    """socketserver's listen backlog is 5: a crawl opening a dozen connections at once overflows it, and
    each refused SYN is retried by the client's TCP only after a second. A crawler's burst fits in 128."""

    request_queue_size = 128
    daemon_threads = True


class LoopbackSite:
    """Serves ``pages`` (path, or path?query, -> Page) on 127.0.0.1:<free port> from a daemon thread."""

    def __init__(self, pages: dict[str, Page] | None = None, not_found: Page | None = None):
        self.pages: dict[str, Page] = dict(pages or {})
        self.not_found = not_found or Page(b"<html><body><h1>Not Found</h1></body></html>", status=404)
        self.hits: list[Hit] = []
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------
    def start(self) -> LoopbackSite:
        site = self

        class Handler(_Handler):
            owner = site

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LoopbackSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- what happened ----------------------------------------------------------
    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def count(self, path: str) -> int:
        return len(self.hits_for(path))

    def arrived(self, path: str) -> int:
        """Requests for the page at ``path`` that arrived, answered or not yet (a held page)."""
        with self._lock:
            return self._served.get(path, 0)

    def served(self, path: str) -> int:
        """Requests answered by the page at ``path``, whatever spelling asked for it (``?src=RSS``...)."""
        with self._lock:
            return sum(1 for h in self.hits if self._route(h.path) == path)

    def reset_hits(self) -> None:
        with self._lock:
            self.hits.clear()
            self._served.clear()

    # -- serving ------------------------------------------------------------------
    def respond(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        key = self._route(path)
        page = self.pages.get(key, self.not_found)
        arrived = time.monotonic()
        with self._lock:
            n = self._served.get(key, 0)
            self._served[key] = n + 1
        if page.delay:
            time.sleep(page.delay)
        if page.hold is not None:
            page.hold.wait(timeout=120)
        status, extra = page.status, page.headers
        body = page.body
        if n < page.fail_first:
            status, extra, body = page.fail_status, page.fail_headers, f"<html><body>Error {page.fail_status}</body></html>"
        out_headers = {"Content-Type": page.content_type, **{k: self._fill(v) for k, v in extra.items()}}
        data = self._fill(body).encode("utf-8") if isinstance(body, str) else body.replace(BASE_TOKEN.encode(), self.base_url.encode())
        with self._lock:
            self.hits.append(Hit(method, path, headers, status, arrived))
        return status, out_headers, data

    def _route(self, path: str) -> str:
        """The page key for a request: exact, then without tracking ``src=`` params, then the bare path."""
        if path in self.pages or "?" not in path:
            return path
        bare, query = path.split("?", 1)
        kept = "&".join(p for p in query.split("&") if p and not p.lower().startswith("src="))
        trimmed = f"{bare}?{kept}" if kept else bare
        return trimmed if trimmed in self.pages else bare

    def _fill(self, text: str) -> str:
        return text.replace(BASE_TOKEN, self.base_url)


class _Handler(BaseHTTPRequestHandler):
    owner: LoopbackSite
    protocol_version = "HTTP/1.1"

    def _serve(self, with_body: bool) -> None:
        status, headers, data = self.owner.respond(self.command, self.path, dict(self.headers.items()))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(with_body=False)

    def log_message(self, format: str, *args) -> None:  # quiet: hits are recorded instead
        pass
