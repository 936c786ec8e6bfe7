"""The simulator's HTTP side: a ThreadingHTTPServer on loopback, transport faults, admin endpoints, and `Simulator`.

Nothing is logged by default; an optional listener sees only (method, path, status), never headers, so no key is
ever written anywhere.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from kgp_tui.config import is_loopback_host

from . import admin, seeding, unified_catalog
from .content import CDN
from .loopback import LoopbackServer, close, serve
from .media import MediaRequest, MediaServer, resolver
from .routes import MAX_BODY_BYTES, Api, BaseApi, Reply, Request, error
from .scenarios import (
    PREFIX,
    UNIFIED_ONLY,
    Scenario,
    sparse,
    with_extra_fields,
)
from .state import DEFAULT_API_KEY, Store
from .unified import UnifiedApi
from .unified_state import UnifiedStore

ADMIN_PREFIX = "/_sim"
SURFACES = ("v1", "unified")
DRAIN_BYTES = 256 * 1024 * 1024  # a body over the limit but under this is read and discarded so the 413 arrives


# One loopback rule for the app's base-URL check and the simulator's bind check (not wire format: no wall crossed).
is_loopback = is_loopback_host


class _Server(LoopbackServer):
    def __init__(self, address: tuple[str, int], sim: Simulator):
        self.sim = sim
        super().__init__(address, _Handler)


class _BadRequest(Exception):
    def __init__(self, reply: Reply):
        super().__init__(reply.status)
        self.reply = reply


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kgp-sim/1"
    timeout = 120  # an idle keep-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the body ~40 ms
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        """Silenced: the stdlib access log is not wanted; Simulator.request_listener sees method, path, status."""

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        admin = split.path == ADMIN_PREFIX or split.path.startswith(ADMIN_PREFIX + "/")
        self._to_record = not admin
        api = self.server.sim._api
        if admin:
            limit, too_large = MAX_BODY_BYTES, "The request body is larger than 1 MiB."
        else:
            limit, too_large = api.body_limit(self.command, split.path[len(PREFIX):] or "/")
        try:
            try:
                body = self._read_body(api, limit, too_large)
            except _BadRequest as bad:
                self.close_connection = True
                self._send(bad.reply)
            else:
                self._admin(split.path, body) if admin else self._api(split.path, split.query, body)
        except OSError:  # the client went away, or the server is stopping
            self.close_connection = True
        finally:
            self._record(None)

    def _record(self, status: int | None) -> None:
        """Count the request once, before its reply leaves, so a client never sees a reply not yet counted."""
        if self._to_record:
            self._to_record = False
            self.server.sim._record(self.command, self.path, status)

    def _read_body(self, api: BaseApi, limit: int, too_large: str) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    length = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise _BadRequest(api.error(400, "bad_request", "Malformed chunked body.")) from None
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                size += length
                if size > limit:
                    raise _BadRequest(api.error(413, "payload_too_large", too_large))
                chunks.append(self.rfile.read(length))
                self.rfile.readline(1024)
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        if not raw.strip().isdigit():
            raise _BadRequest(api.error(400, "bad_request", "Content-Length is not a number."))
        length = int(raw)
        if length > limit:
            while 0 < length <= DRAIN_BYTES:  # a client still sending would miss a reply sent before it finished
                chunk = self.rfile.read(min(length, 1 << 16))
                length = length - len(chunk) if chunk else 0
            raise _BadRequest(api.error(413, "payload_too_large", too_large))
        return self.rfile.read(length)

    def _send(self, reply: Reply, scenario: Scenario | None = None) -> None:
        """Send a reply; a `post` scenario (extra_fields, sparse_fields, malformed_json) reshapes its JSON first."""
        if isinstance(reply.body, bytes):
            data = reply.body
        else:
            value = reply.body
            if scenario is not None and scenario.name == "extra_fields":
                value = with_extra_fields(value)
            elif scenario is not None and scenario.name == "sparse_fields":
                value = sparse(value, str(scenario.params["list_shape"]))
            data = json.dumps(value, ensure_ascii=False).encode("utf-8")
            origin = self.server.sim.media_origin
            if origin != CDN:  # the stores keep the placeholder origin; a client is given one it can fetch
                data = data.replace(CDN.encode(), origin.encode())
            if scenario is not None and scenario.name == "malformed_json":
                data = data[: len(data) // 2]
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self._record(reply.status)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close the connection without a response."""
        self.close_connection = True
        self._record(None)
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _api(self, path: str, query: str, body: bytes) -> None:
        sim = self.server.sim
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            return self._send(sim._api.not_found("", path))
        method, rel = self.command, path[len(PREFIX):] or "/"
        scenario = sim._scenario
        fault = scenario.take("pre", method, rel)
        if fault is not None and fault.name == "slow":
            if self.server.stopping.wait(float(fault.params["delay"])):
                return self._drop()
        elif fault is not None:
            reply = admin.fault_reply(sim._api, fault)
            return self._drop() if reply is None else self._send(reply)
        try:
            reply = sim._api.handle(Request(method, rel, query, self.headers, body))
        except Exception:  # a simulator bug must still give the client a well-formed 500
            traceback.print_exc()
            reply = sim._api.error(500, "internal_error", "The simulator failed on this request (a simulator bug).")
        if sim._api.is_create(method, rel, reply) and scenario.take("after_create", method, rel):
            return self._drop()
        return self._send(reply, scenario.take("post", method, rel))

    def _admin(self, path: str, body: bytes) -> None:
        if not is_loopback(self.client_address[0]):
            return self._send(error(403, "forbidden", "The /_sim endpoints answer loopback clients only."))
        return self._send(admin.reply(self.server.sim, self.command, path, body))


class Simulator:
    """The KGP simulator: a real HTTP server on loopback with in-memory state, speaking one surface (`v1`, the
    default, or `unified`). See the package docstring, and unified.py for the unified surface."""

    def __init__(self, api_key: str = DEFAULT_API_KEY, host: str = "127.0.0.1", port: int = 0,
                 scenario: str = "default", step_seconds: float = 2.0, clock: Callable[[], float] | None = None,
                 allow_non_loopback: bool = False, surface: str = "v1", max_file_bytes: int | None = None,
                 media_origin: str | None = None, media_rate: float | None = None, **scenario_params: object):
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; known: {', '.join(SURFACES)}")
        if max_file_bytes is not None and (surface != "unified" or max_file_bytes < 1):
            raise ValueError("max_file_bytes is a positive size, for the unified surface only")
        if not allow_non_loopback and not is_loopback(host):
            raise ValueError(f"refusing to serve on {host!r}: not a loopback address (pass allow_non_loopback=True)")
        if not api_key or not isinstance(api_key, str):
            raise ValueError("api_key must be a non-empty string")
        if step_seconds < 0:
            raise ValueError("step_seconds must be ≥ 0")
        if media_rate is not None and media_rate <= 0:
            raise ValueError("media_rate is a positive number of bytes per second")
        self.api_key = api_key
        self.readonly_key = api_key + "_ro"
        self.no_credit_key = api_key + "_nocredit"
        self.host = host
        self._port = port
        self.surface = surface
        self._scenario = self._checked_scenario(scenario, scenario_params)
        self._store: Store | UnifiedStore
        self._api: BaseApi
        if surface == "unified":
            self._store = UnifiedStore(api_key, step_seconds, clock or time.time,
                                       max_file_bytes or unified_catalog.MAX_FILE_BYTES)
            self._api = UnifiedApi(self._store, lambda: self._scenario)
        else:
            self._store = Store(api_key, step_seconds, clock or time.time)
            self._api = Api(self._store, lambda: self._scenario)
        self._stats_lock = threading.Lock()
        self._request_log: list[tuple[str, str, int | None]] = []
        self._lifecycle = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Called with (method, path, status) after each API request; for a console log, never with headers.
        self.request_listener: Callable[[str, str, int | None], None] | None = None
        # The media host (media.py) on a port of its own; `media_origin` names another origin in its URLs (a
        # snapshot test wants one that does not change with the port).
        self._media = MediaServer(host, resolver(self._store), lambda: self._scenario, self._record_media,
                                  rate=media_rate)
        self._fixed_media_origin = media_origin
        self._media_log: list[MediaRequest] = []
        # Called with (method, path, status, Range header) after each media request; never with other headers.
        self.media_listener: Callable[[str, str, int | None, str | None], None] | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> Simulator:
        with self._lifecycle:
            if self._server is None:
                self._serve()
        return self

    def stop(self) -> None:
        with self._lifecycle:
            self._close()

    def restart(self) -> None:
        """Close the listening socket and every open connection, then serve again on the same port."""
        with self._lifecycle:
            self._close()
            self._serve()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self) -> None:
        server, self._thread = serve(lambda address: _Server(address, self), self.host, self._port, "kgp-simulator")
        self._server = server  # type: ignore[assignment]
        self._port = server.server_address[1]
        try:
            self._media.start()
        except OSError:
            self._close()
            raise

    def _close(self) -> None:
        self._media.stop()
        server, self._server = self._server, None
        close(server, self._thread)

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        if not self._port:
            raise RuntimeError("the simulator has no port yet: call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}{PREFIX}"

    @property
    def media_origin(self) -> str:
        """Where the URLs in replies point: the media host (http://127.0.0.1:PORT) unless told otherwise."""
        return self._fixed_media_origin or self._media.origin

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- behaviour ------------------------------------------------------------------------------------------

    @property
    def scenario(self) -> str:
        return self._scenario.name

    def set_scenario(self, name: str, **params: object) -> None:
        self._scenario = self._checked_scenario(name, params)

    def _checked_scenario(self, name: str, params: dict) -> Scenario:
        if name in UNIFIED_ONLY and self.surface != "unified":
            raise ValueError(f"{name}: a scenario of the unified surface (start it with --surface unified)")
        return Scenario(name, **params)

    @property
    def step_seconds(self) -> float:
        return self._store.step_seconds

    @step_seconds.setter
    def step_seconds(self, value: float) -> None:
        """Applies to jobs started from now on."""
        self._store.step_seconds = value

    def seed_creations(self, n: int, key: str | None = None) -> list[int] | list[str]:
        """n finished creations; their ids (strings on the unified surface)."""
        if isinstance(self._store, UnifiedStore):
            return seeding.seed_unified(self._store, n, key or self.api_key, running=False)
        return seeding.seed_creations(self._store, n, key or self.api_key)

    def seed_jobs(self, n: int, key: str | None = None) -> list[int] | list[str]:
        """n creations in progress: v1 job ids, or unified creation ids (that surface has no jobs)."""
        if isinstance(self._store, UnifiedStore):
            return seeding.seed_unified(self._store, n, key or self.api_key, running=True)
        return seeding.seed_jobs(self._store, n, key or self.api_key)

    # -- counters -------------------------------------------------------------------------------------------

    def _record(self, method: str, path: str, status: int | None) -> None:
        with self._stats_lock:
            self._request_log.append((method, path, status))
        listener = self.request_listener
        if listener is not None:
            listener(method, path, status)

    def _record_media(self, request: MediaRequest) -> None:
        with self._stats_lock:
            self._media_log.append(request)
        listener = self.media_listener
        if listener is not None:
            listener(request.method, request.path, request.status, request.range)

    @property
    def media_log(self) -> list[MediaRequest]:
        """Every request the media host got, headers included (a test checks no key is among them)."""
        with self._stats_lock:
            return list(self._media_log)

    @property
    def request_count(self) -> int:
        with self._stats_lock:
            return len(self._request_log)

    @property
    def request_log(self) -> list[tuple[str, str, int | None]]:
        with self._stats_lock:
            return list(self._request_log)

    def reset_stats(self) -> None:
        with self._stats_lock:
            self._request_log.clear()
            self._media_log.clear()

    def stats(self) -> dict:
        return {"request_count": self.request_count, "scenario": self._scenario.describe(),
                "port": self._port, "surface": self.surface, **self._store.stats()}
