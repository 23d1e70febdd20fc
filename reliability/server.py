"""A fault HTTP server on 127.0.0.1: each path answers as a scenario tells it to.

A route is a function ``(path, n) -> Reply | None`` (``n``: how many times
the path was asked for before, from 0); ``None`` is a 404. A reply can be an
ordinary page, or a fault: a stall longer than the crawler's timeout, a
connection reset mid-body, a close-delimited (truncated) body, a huge body
streamed in chunks. Every request is logged with what was served, so a
scenario can compute the versions a crawl should have stored.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One response, or one fault."""

    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    #: ``ok``, ``stall`` (wait ``seconds`` before answering), ``reset`` (send half the
    #: body then an RST), ``close`` (no Content-Length, half the body, close),
    #: ``huge`` (``size`` bytes of filler streamed after the body's start, announced in
    #: Content-Length), ``stream`` (the same, close-delimited).
    fault: str = "ok"
    seconds: float = 0.0
    size: int = 0
    #: What the scenario notes about this reply (e.g. the revision served).
    tag: object = None

    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Route = Callable[[str, int], "Reply | None"]


@dataclass
class Served:
    """A logged request: the path, its number for that path, and the reply's tag and status."""

    path: str
    n: int
    status: int
    fault: str
    tag: object
    complete: bool = False


class FaultServer:
    """Serve ``route`` on 127.0.0.1 in background threads; stop with :meth:`stop`."""

    def __init__(self, route: Route | None = None) -> None:
        self.route: Route = route or (lambda path, n: None)
        self.served: list[Served] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.stopping = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def next_number(self, path: str) -> int:
        with self.lock:
            n = self.counts.get(path, 0)
            self.counts[path] = n + 1
            return n

    def log(self, entry: Served) -> None:
        with self.lock:
            self.served.append(entry)

    def hits(self, prefix: str = "") -> list[Served]:
        with self.lock:
            return [s for s in self.served if s.path.startswith(prefix)]

    def reset_log(self) -> None:
        with self.lock:
            self.served.clear()
            self.counts.clear()

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a crawler killed or timing out mid-request is what the scenarios do


def _handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("#", 1)[0]
            n = server.next_number(path)
            reply = server.route(path, n)
            if reply is None:
                reply = Reply("<html><head><title>Page not found</title></head>"
                              "<body><h1>Page not found</h1></body></html>", status=404)
            entry = Served(path, n, reply.status, reply.fault, reply.tag)
            server.log(entry)
            try:
                self._answer(reply)
                entry.complete = reply.fault in ("ok", "stall")
            except OSError:
                self.close_connection = True

        def _answer(self, reply: Reply) -> None:
            data = reply.data()
            if reply.fault == "stall":
                # Wait in small steps so that a stopping server does not hang.
                end = time.monotonic() + reply.seconds
                while time.monotonic() < end and not server.stopping.is_set():
                    time.sleep(0.05)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.fault == "close":
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
                return
            if reply.fault in ("huge", "stream"):
                if reply.fault == "huge":
                    self.send_header("Content-Length", str(len(data) + reply.size))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(data)
                chunk = b"<p>" + b"filler " * 9000 + b"</p>\n"
                left = reply.size
                while left > 0 and not server.stopping.is_set():
                    piece = chunk[:left]
                    self.wfile.write(piece)
                    left -= len(piece)
                return
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if reply.fault == "reset":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                # SO_LINGER with a zero timeout: close() sends an RST, not a FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            self.wfile.write(data)

    return Handler
