"""The HTTP server under the simulator's API and its media host: threads, no FQDN lookup, and every open
connection known, so a stop or a restart can drop them all (a client then sees what a real restart does)."""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024  # the default 5 makes a burst of new connections wait for SYN retries

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.stopping = threading.Event()  # set when this server stops: ends `slow` waits early
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can take seconds; it is not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]  # type: ignore[assignment]

    def process_request(self, request, client_address) -> None:  # noqa: ANN001 - the stdlib's signature
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:  # noqa: ANN001
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_all_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        if not isinstance(sys.exc_info()[1], OSError):  # a client going away is not worth a traceback
            super().handle_error(request, client_address)


def serve(make: Callable[[tuple[str, int]], LoopbackServer], host: str, port: int,
          name: str) -> tuple[LoopbackServer, threading.Thread]:
    """Bind (a fixed port may take a moment to free up after a restart) and serve on a daemon thread."""
    deadline = time.monotonic() + 2.0
    while True:
        try:
            server = make((host, port))
            break
        except OSError:
            if not port or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"{name}:{server.server_address[1]}", daemon=True)
    thread.start()
    return server, thread


def close(server: LoopbackServer | None, thread: threading.Thread | None) -> None:
    """Stop serving, close the socket and drop every open connection."""
    if server is None:
        return
    server.stopping.set()
    server.shutdown()
    server.server_close()
    server.drop_all_connections()
    if thread is not None:
        thread.join(timeout=1.0)
