"""One file's transfer: httpx streaming into NAME.part, resumed with Range, renamed to NAME when complete.

Rules (issue 13): the API key goes only to the API's own origin (`ApiAuth`), never to a media host; redirects are
followed, at most MAX_REDIRECTS, each hop checked again; `http://` media only on loopback unless
`allow_insecure_http`. A `.part` is continued with `Range` + `If-Range` (its ETag) and restarted cleanly when the
server sends the whole file instead. Nothing reaches the final name unless its length is what the server and the
creation said; the final name is never overwritten (os.link refuses an existing name). No Textual here.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from kgp_tui.config import is_loopback_host

from .naming import PART, numbered

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS = 5
WRITE_BATCH = 256 * 1024  # bytes gathered before one write on a worker thread: the event loop never waits on disk
EXPIRED = (401, 403, 404, 410)


class DownloadError(Exception):
    """A failure in the user's words; `kind` says which (expired, wrong_length, disk_full, permission, network,
    unreachable, refused, http, file); `resumable` means the .part is worth keeping for a retry."""

    def __init__(self, kind: str, message: str, *, resumable: bool = False) -> None:
        super().__init__(message)
        self.kind, self.message, self.resumable = kind, message, resumable


@dataclass(frozen=True)
class ApiAuth:
    """The API's origin and the headers that carry the key there; sent to no other origin."""

    origin: str
    headers: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class Fetched:
    size: int
    etag: str | None
    sha256: str


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def url_problem(url: str, allow_insecure_http: bool) -> str | None:
    """Why this URL is not fetched, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "it is not an http(s) URL"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname) and not allow_insecure_http:
        return ("it is plain http to a host that is not this machine (set allow_insecure_http = true to allow "
                "that)")
    return None


def headers_for(url: str, auth: ApiAuth | None, extra: Mapping[str, str]) -> dict[str, str]:
    """The request's headers: the key only when the URL's origin is the API's own."""
    sent = dict(extra)
    if auth is not None and origin_of(url) == origin_of(auth.origin):
        sent.update(auth.headers)
    return sent


def disk_error(error: OSError, path: Path) -> DownloadError:
    if error.errno == errno.ENOSPC or error.errno == getattr(errno, "EDQUOT", -1):
        return DownloadError("disk_full", f"the disk is full: no room for {path.name} in {path.parent}",
                             resumable=True)
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DownloadError("permission", f"permission denied: kgp-tui may not write to {path.parent}")
    return DownloadError("file", f"could not write {path.name}: {error.strerror or error}")


def _total_of(response: httpx.Response, offset: int) -> int | None:
    if response.status_code == 206:
        content_range = response.headers.get("Content-Range", "")
        total = content_range.rsplit("/", 1)[-1]
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def _range_start(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


async def _open(http: httpx.AsyncClient, url: str, headers: Mapping[str, str], auth: ApiAuth | None,
                allow_insecure_http: bool) -> httpx.Response:
    """GET with redirects followed by hand: each hop is checked and gets the key only on the API's origin."""
    import httpx

    for _ in range(MAX_REDIRECTS + 1):
        problem = url_problem(url, allow_insecure_http)
        if problem:
            raise DownloadError("refused", f"not downloading from {urlsplit(url).netloc or url}: {problem}")
        request = http.build_request("GET", url, headers=headers_for(url, auth, headers))
        try:
            response = await http.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException:
            raise DownloadError("network", "the media host did not answer in time", resumable=True) from None
        except httpx.ConnectError:
            raise DownloadError("unreachable", f"the media host {urlsplit(url).netloc} could not be reached",
                                resumable=True) from None
        except httpx.TransportError:
            raise DownloadError("network", "the media host could not be reached", resumable=True) from None
        if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("Location"):
            await response.aclose()
            url = urljoin(url, response.headers["Location"])
            continue
        return response
    raise DownloadError("refused", f"more than {MAX_REDIRECTS} redirects: not following them further")


async def fetch(
    http: httpx.AsyncClient,
    url: str,
    part: Path,
    *,
    expected_size: int | None = None,
    etag: str | None = None,
    auth: ApiAuth | None = None,
    allow_insecure_http: bool = False,
    on_start: Callable[[str | None, int | None, int], Any] | None = None,
    on_progress: Callable[[int, int | None], Any] | None = None,
) -> Fetched:
    """Bring `part` up to the whole file. `etag` (from the earlier attempt that wrote `part`) allows a resume.

    `on_start(etag, total, offset)` is told once the server answered, `on_progress(done, total)` after each write.
    Raises DownloadError; the .part is kept when the error says `resumable`.
    """
    offset = part.stat().st_size if part.exists() and etag else 0
    extra = {"Accept-Encoding": "identity"}  # a compressed body would not match Content-Length or Range
    if offset:
        extra.update({"Range": f"bytes={offset}-", "If-Range": etag or ""})
    response = await _open(http, url, extra, auth, allow_insecure_http)
    try:
        status = response.status_code
        if status == 416 and offset and expected_size == offset:
            await response.aclose()
            return await _finished(part, offset, etag)
        if status in EXPIRED:
            raise DownloadError("expired", f"the link has expired or is no longer valid (HTTP {status}); "
                                           "retry asks the server for the creation again")
        if status == 416:  # the .part is longer than the file now is: start again
            part.unlink(missing_ok=True)
            raise DownloadError("network", "the saved part no longer fits the file; starting again", resumable=True)
        if status not in (200, 206):
            raise DownloadError("http", f"the media host answered HTTP {status}", resumable=500 <= status < 600)
        if status == 206 and _range_start(response) != offset:
            raise DownloadError("http", "the media host sent another part of the file than was asked for")
        if status == 200:
            offset = 0  # the server ignored Range, or the file changed (If-Range): a clean restart
        total = _total_of(response, offset)
        new_etag = response.headers.get("ETag")
        if expected_size is not None and total is not None and total != expected_size:
            raise DownloadError("wrong_length", f"wrong length: the server sends {total:,} bytes but the creation "
                                                f"says {expected_size:,}; nothing was saved")
        if on_start is not None:
            on_start(new_etag, total, offset)
        done = await _stream(response, part, offset, total, on_progress)
    finally:
        await response.aclose()
    want = total if total is not None else expected_size
    if want is not None and done != want:
        raise DownloadError("wrong_length", f"wrong length: got {done:,} bytes of {want:,}; nothing was saved")
    return await _finished(part, done, new_etag)


async def _stream(response: httpx.Response, part: Path, offset: int, total: int | None,
                  on_progress: Callable[[int, int | None], Any] | None) -> int:
    import httpx

    try:
        handle = await asyncio.to_thread(open, part, "r+b" if offset else "wb")
    except OSError as error:
        raise disk_error(error, part) from None
    done = offset
    try:
        await asyncio.to_thread(handle.truncate, offset)
        handle.seek(offset)
        buffer = bytearray()
        try:
            async for chunk in response.aiter_raw():
                buffer += chunk
                if total is not None and done + len(buffer) > total:
                    raise DownloadError("wrong_length", "wrong length: the server sent more bytes than it said")
                if len(buffer) >= WRITE_BATCH:
                    done = await _write(handle, buffer, done, part)
                if on_progress is not None:
                    on_progress(done + len(buffer), total)
        except httpx.TransportError:
            await _write(handle, buffer, done, part)
            raise DownloadError("network", "the connection dropped mid-file", resumable=True) from None
        done = await _write(handle, buffer, done, part)
        if on_progress is not None:
            on_progress(done, total)
        await asyncio.to_thread(_sync, handle)
    finally:
        await asyncio.to_thread(handle.close)
    return done


async def _write(handle: Any, buffer: bytearray, done: int, part: Path) -> int:
    if not buffer:
        return done
    data = bytes(buffer)
    buffer.clear()
    try:
        await asyncio.to_thread(handle.write, data)
    except OSError as error:
        raise disk_error(error, part) from None
    return done + len(data)


def _sync(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())


async def _finished(part: Path, size: int, etag: str | None) -> Fetched:
    digest = await asyncio.to_thread(sha256_of, part)
    return Fetched(size, etag, digest)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def publish(part: Path, final: Path) -> Path:
    """Give the complete .part its final name, never replacing a file: `name (2)` … when the name is taken."""
    if not part.name.endswith(PART):
        raise ValueError(f"not a .part file: {part}")
    for number in range(1, 1000):
        target = final.with_name(numbered(final.name, number))
        try:
            os.link(part, target)  # fails if target exists: no race can make it overwrite
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise disk_error(error, target) from None
            if target.exists() or target.is_symlink():  # a file system without hard links
                continue
            os.rename(part, target)
            return target
        part.unlink()
        return target
    raise DownloadError("file", f"could not find a free name for {final.name}")
