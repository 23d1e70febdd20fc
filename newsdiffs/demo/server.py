"""A small HTTP server on 127.0.0.1 that serves a mutable set of pages.

Used by the demo and by the end-to-end tests: set ``site.pages[path]`` (or
call :meth:`ReplayServer.set_pages`) between crawls and the next crawl sees
the new content. It answers conditional requests (ETag / If-None-Match and
Last-Modified / If-Modified-Since) like a real site, logs every request it
gets, and can be told to redirect.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    """One response: body, status and extra headers."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: Send an ETag (and honour If-None-Match with a 304).
    etag: bool = True
    last_modified: float | None = None

    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


class ReplayServer:
    """Serve ``pages`` (path -> :class:`Page`) on 127.0.0.1 in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._lock = threading.Lock()
        handler = _make_handler(self)
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set_pages(self, pages: dict[str, Page | str | bytes]) -> None:
        """Replace every page at once."""
        with self._lock:
            self.pages = {p: v if isinstance(v, Page) else Page(v) for p, v in pages.items()}

    def get(self, path: str) -> Page | None:
        with self._lock:
            return self.pages.get(path)

    def log(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((method, path, headers))

    def requests_for(self, path: str) -> list[dict[str, str]]:
        """Headers of every request made for ``path``."""
        with self._lock:
            return [h for _, p, h in self.requests if p == path]

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _make_handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: the demo prints its own progress

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("#", 1)[0]
            server.log("GET", path, {k.lower(): v for k, v in self.headers.items()})
            page = server.get(path) or server.get(path.split("?", 1)[0])
            if page is None:
                page = Page("<html><head><title>Page not found</title></head>"
                            "<body><h1>Page not found</h1></body></html>", status=404)
            data = page.data()
            headers = {"Content-Type": page.content_type, **page.headers}
            if page.etag and page.status == 200:
                tag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
                headers["ETag"] = tag
                if self.headers.get("If-None-Match") == tag:
                    return self._send(304, {"ETag": tag}, b"")
            if page.last_modified is not None and page.status == 200:
                headers["Last-Modified"] = formatdate(page.last_modified, usegmt=True)
            self._send(page.status, headers, data)

        def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
