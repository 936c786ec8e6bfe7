"""The simulator's media host: real bytes for every URL the API hands out, on a loopback port of its own.

The API's stores keep URLs on the placeholder origin `content.CDN`; the API server writes the media host's own
origin in their place as a reply leaves (`Simulator.media_origin`), so what a client is given can be fetched.

Choices made here (no contract covers a CDN):
- A path resolves only while the API would still hand out its URL (an artifact, a scene image, a thumbnail, a
  unified output of a delivered version); anything else is 404. No key is needed or checked: URLs are "signed".
- Bodies are deterministic: `size_bytes` bytes of a pattern seeded by the path (its period is a prime, so a resume
  at a wrong offset changes the sha256). Images are valid PNGs (a small gradient), padded to `size_bytes` with a
  private ancillary chunk; a scene image or thumbnail, which has no size, is the bare PNG.
- `Range: bytes=A-B`, `A-` and `-N` (one range) get 206 with `Content-Range`; an unsatisfiable one 416.
  `ETag` is strong; `If-Range` with another ETag gets the whole file (200). HEAD answers the same headers.
- Every request is recorded (method, path, headers, status) in `Simulator.media_log`, so a test can check that
  no API key reached the media host; `Simulator.media_listener` sees (method, path, status, range) for a log.
- Scenarios at the point `media`: media_drop, media_slow, media_expired, media_wrong_length, media_ignore_range.
"""

from __future__ import annotations

import functools
import hashlib
import re
import socket
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from . import loopback
from . import unified_catalog as ucat
from .content import CDN
from .loopback import LoopbackServer, serve
from .scenarios import Scenario

PERIOD = 65_521  # the largest prime under 64 KiB: the pattern's period
CHUNK = 64 * 1024
PNG_SIZE = (64, 36)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class MediaFile:
    path: str
    size: int | None  # None: the natural size of its body (a scene image, a thumbnail)
    mime: str

    @property
    def etag(self) -> str:
        digest = hashlib.sha256(f"{self.path}\x00{self.size}".encode()).hexdigest()[:20]
        return f'"{digest}"'


@dataclass(frozen=True)
class MediaRequest:
    method: str
    path: str
    headers: dict[str, str] = field(repr=False)
    status: int | None
    range: str | None = None


# -- bytes -----------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _pattern(path: str) -> bytes:
    """Two periods of the path's pattern back to back, so any slice up to PERIOD bytes is one cut."""
    seed = hashlib.sha256(path.encode()).digest()
    blocks = (hashlib.sha256(seed + struct.pack(">I", n)).digest() for n in range(-(-PERIOD // 32)))
    one = b"".join(blocks)[:PERIOD]
    return one + one


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=8)
def png(path: str, size: int | None = None) -> bytes:
    """A valid PNG (a gradient coloured by the path), padded to exactly `size` bytes when it is big enough."""
    width, height = PNG_SIZE
    tint = hashlib.sha256(path.encode()).digest()
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            row += bytes(((tint[0] + 3 * x) & 255, (tint[1] + 5 * y) & 255, (tint[2] + x + y) & 255))
        rows.append(bytes(row))
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    head += _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
    tail = _chunk(b"IEND", b"")
    room = (size or 0) - len(head) - len(tail) - 12
    if room >= 0:  # kgPd: ancillary, private, safe to copy: every reader skips it
        head += _chunk(b"kgPd", (_pattern(path)[:PERIOD] * (room // PERIOD + 1))[:room])
    return head + tail


def body_size(file: MediaFile) -> int:
    return len(png(file.path, file.size)) if file.mime == "image/png" else int(file.size or 0)


def body_bytes(file: MediaFile, start: int, end: int) -> Iterator[bytes]:
    """The bytes [start, end) of the file, in chunks of at most CHUNK."""
    pattern = _pattern(file.path)
    at = start
    if file.mime == "image/png":
        data = png(file.path, file.size)
        for at in range(start, min(end, len(data)), CHUNK):
            yield data[at:min(end, at + CHUNK)]
        at = max(start, len(data))  # media_wrong_length may ask for more than the image: the pattern follows
    while at < end:
        n = min(end - at, CHUNK, PERIOD)
        offset = at % PERIOD
        yield pattern[offset:offset + n]
        at += n


def file_bytes(file: MediaFile) -> bytes:
    """The whole file (for tests: what a download must end up byte-identical to)."""
    return b"".join(body_bytes(file, 0, body_size(file)))


# -- which paths exist --------------------------------------------------------------------------------------

def resolver(store: object) -> Callable[[str], MediaFile | None]:
    """What the media host serves for a path, looked up in the API's store as it is now."""
    from .unified_state import UnifiedStore

    if isinstance(store, UnifiedStore):
        return functools.partial(_resolve_unified, store)
    return functools.partial(_resolve_v1, store)


def _resolve_v1(store, path: str) -> MediaFile | None:  # noqa: ANN001 - state.Store, imported lazily
    match = re.match(r"^/creations/(\d+)/", path)
    if not match:
        return None
    url = CDN + path
    with store.lock:
        creation = store.creations.get(int(match.group(1)))
        result = creation.result if creation is not None else None
        if not result:
            return None
        for artifact in result.get("artifacts", ()):
            if artifact.get("url") == url:
                return MediaFile(path, artifact.get("size_bytes"), artifact.get("mime_type") or "")
        images = [result.get("thumbnail_url"), *(scene.get("image_url") for scene in result.get("scenes", ()))]
    return MediaFile(path, None, "image/png") if url in images else None


def _resolve_unified(store, path: str) -> MediaFile | None:  # noqa: ANN001 - unified_state.UnifiedStore
    match = re.match(r"^/creations/([^/]+)/v(\d+)/", path)
    if not match:
        return None
    creation_id, version = match.group(1), int(match.group(2))
    url = CDN + path
    with store.lock:
        creation = store.creations.get(creation_id)
        if creation is None or not 1 <= version <= creation.version:
            return None
        number = int(creation_id.rsplit("_", 1)[-1], 36)
        for output in ucat.outputs(creation_id, creation.type, creation.params["product"], version, number):
            if output["url"] == url:
                return MediaFile(path, output["size_bytes"], output["mime_type"])
    return None


# -- the server ---------------------------------------------------------------------------------------------

def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(start, end) of one `bytes=` range, end exclusive; None: no usable range (send it all); "416": unsatisfiable."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None  # several ranges, or another unit: the whole file is a correct answer
    first, last = match.groups()
    if first == "":
        n = int(last)
        return (max(0, size - n), size) if n else "416"
    start = int(first)
    end = min(size, int(last) + 1) if last else size
    if start >= size or end <= start:
        return "416"
    return start, end


class MediaServer:
    """A ThreadingHTTPServer on loopback that serves what `resolve` finds, under `scenario()`'s faults."""

    def __init__(self, host: str, resolve: Callable[[str], MediaFile | None], scenario: Callable[[], Scenario],
                 record: Callable[[MediaRequest], None], rate: float | None = None):
        self.host = host
        self.rate = rate  # bytes per second for every body (None: as fast as loopback goes); media_slow overrides
        self.resolve = resolve
        self.scenario = scenario
        self.record = record
        self._port = 0
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    def start(self) -> None:
        """Serve; a restart reuses the port it had."""
        self._server, self._thread = serve(lambda address: _Server(address, self), self.host, self._port,
                                           "kgp-simulator-media")
        self._port = self._server.server_address[1]

    def stop(self) -> None:
        server, self._server = self._server, None
        loopback.close(server, self._thread)


class _Server(LoopbackServer):
    def __init__(self, address: tuple[str, int], media: MediaServer):
        self.media = media
        super().__init__(address, _Handler)


def _param(fault: Scenario | None, key: str) -> int:
    value = fault.params.get(key) if fault is not None else None
    return value if isinstance(value, int) else 0


EXPIRED_BODY = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                "<Message>{message}</Message></Error>\n")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kgp-sim-media/1"
    timeout = 120
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        """Silenced: requests are recorded in Simulator.media_log instead."""

    def do_GET(self) -> None:
        try:
            self._serve(send_body=True)
        except OSError:
            self.close_connection = True

    def do_HEAD(self) -> None:
        try:
            self._serve(send_body=False)
        except OSError:
            self.close_connection = True

    def _record(self, status: int | None) -> None:
        media = self.server.media
        media.record(MediaRequest(self.command, self.path, dict(self.headers.items()), status,
                                  self.headers.get("Range")))

    def _plain(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, send_body: bool) -> None:
        media = self.server.media
        path = urlsplit(self.path).path
        file = media.resolve(path)
        if file is None:
            return self._plain(404, EXPIRED_BODY.format(code="NoSuchKey", message="No such file.").encode(),
                               "application/xml")
        fault = media.scenario().take("media", self.command, path)
        name = fault.name if fault is not None else ""
        if name == "media_expired":
            status = _param(fault, "status")
            code, message = ("AccessDenied", "Request has expired") if status == 403 else ("NoSuchKey", "Gone.")
            return self._plain(status, EXPIRED_BODY.format(code=code, message=message).encode(), "application/xml")
        size = body_size(file)
        if name == "media_wrong_length":
            size = max(0, size + _param(fault, "delta"))
        wanted = None if name == "media_ignore_range" else self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if wanted and if_range and if_range.strip() != file.etag:
            wanted = None  # the file changed since the client's copy: it gets the whole new one
        span = parse_range(wanted, size)
        headers = {"ETag": file.etag, "Accept-Ranges": "none" if name == "media_ignore_range" else "bytes",
                   "Cache-Control": "private, max-age=3600"}
        if span == "416":
            return self._plain(416, b"", "application/octet-stream", {**headers, "Content-Range": f"bytes */{size}"})
        start, end = span if isinstance(span, tuple) else (0, size)
        status = 206 if isinstance(span, tuple) else 200
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", file.mime or "application/octet-stream")
        self.send_header("Content-Length", str(end - start))
        for header, value in headers.items():
            self.send_header(header, value)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
        self.end_headers()
        if send_body:
            self._send_body(file, start, end, fault)

    def _send_body(self, file: MediaFile, start: int, end: int, fault: Scenario | None) -> None:
        name = fault.name if fault is not None else ""
        limit = end - start
        if name == "media_drop":
            limit = _param(fault, "after_bytes") or max(1, limit // 2)
        rate = float(_param(fault, "rate")) if name == "media_slow" else float(self.server.media.rate or 0.0)
        piece = max(1, min(CHUNK, int(rate / 20))) if rate else CHUNK
        sent = 0
        for data in body_bytes(file, start, end):
            for at in range(0, len(data), piece):
                part = data[at:at + piece][:max(0, limit - sent)]
                if part:
                    self.wfile.write(part)
                    sent += len(part)
                if sent >= limit and name == "media_drop":
                    return self._drop()
                if rate and self.server.stopping.wait(len(part) / rate):
                    return self._drop()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
