"""Preview images: fetched from their media URL without any key, checked to be images, kept on disk up to a cap.

The fetch takes no headers and no client from the API side, so the API key cannot reach a media host (signed
URLs need none). Plain http only to loopback unless ``allow_insecure_http``; redirects are followed a few times,
each hop checked the same way. Files are 0600 in 0700 folders (kgp_tui.config), the least recently used removed
first once the folder is over its cap. No Textual here: the widget (kgp_tui.widgets.preview) calls this on a
worker thread.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from kgp_tui.config import is_loopback_host, private_dir

if TYPE_CHECKING:
    from PIL.Image import Image

CACHE_CAP_BYTES = 64 << 20  # the whole previews folder
MAX_IMAGE_BYTES = 16 << 20  # one preview: a larger body is not read on
MAX_PIXELS = 40_000_000  # a larger image is refused before it is decoded (a "decompression bomb")
MAX_REDIRECTS = 3
PREVIEW_PIXELS = (640, 640)  # the most a terminal cell grid can show: decoded images are shrunk to this
SUFFIX = ".img"


class PreviewError(Exception):
    """Why there is no preview, in a few words fit for the screen."""


def cache_root() -> Path:
    from kgp_tui.config import app_paths

    return app_paths().cache_dir / "previews"


class PreviewCache:
    """Image bytes by URL on disk; `put` trims the folder to `cap_bytes`, least recently used first."""

    def __init__(self, root: Path, cap_bytes: int = CACHE_CAP_BYTES) -> None:
        self.root = root
        self.cap_bytes = cap_bytes
        self._lock = threading.Lock()
        self._last_stamp = 0

    def _path(self, url: str) -> Path:
        return self.root / (hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest() + SUFFIX)

    def _touch(self, path: Path) -> None:
        # strictly increasing times: two uses in one clock tick still keep their order
        stamp = max(time.time_ns(), self._last_stamp + 1)
        self._last_stamp = stamp
        os.utime(path, ns=(stamp, stamp))

    def get(self, url: str) -> bytes | None:
        path = self._path(url)
        with self._lock:
            try:
                data = path.read_bytes()
                self._touch(path)
            except OSError:
                return None
        return data

    def put(self, url: str, data: bytes) -> None:
        """Keep `data` for `url` (not when it alone is over the cap); a disk problem only means no cache."""
        if len(data) > self.cap_bytes:
            return
        with self._lock:
            try:
                private_dir(self.root)
                fd, tmp = tempfile.mkstemp(prefix=".preview-", suffix=".tmp", dir=self.root)  # mode 0600
                try:
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(data)
                    path = self._path(url)
                    os.replace(tmp, path)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
                self._touch(path)
                self._trim()
            except OSError:
                pass

    def _trim(self) -> None:
        entries = []
        for path in self.root.glob("*" + SUFFIX):
            try:
                info = path.stat()
            except OSError:
                continue
            entries.append((info.st_mtime_ns, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.cap_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size

    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.root.glob("*" + SUFFIX))


def check_media_url(url: str, *, allow_insecure_http: bool = False) -> None:
    """Raise PreviewError unless `url` may be fetched: https, or http to loopback (or when insecure is allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PreviewError("not an http(s) URL")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise PreviewError("plain http to a remote host (allow_insecure_http is off)")


def fetch_image_bytes(url: str, *, allow_insecure_http: bool = False, timeout: float = 15.0,
                      max_bytes: int = MAX_IMAGE_BYTES) -> bytes:
    """GET `url` with no key and no cookies, following a few redirects; the body, or PreviewError saying why not."""
    import httpx

    from kgp_tui.api.tls import tls_context  # the process's one TLS context: the CA bundle loads once

    with httpx.Client(timeout=timeout, follow_redirects=False, headers={"Accept": "image/*"},
                      verify=tls_context()) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_media_url(url, allow_insecure_http=allow_insecure_http)
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise PreviewError(f"the server answered HTTP {response.status_code}")
                    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if kind and not kind.startswith("image/") and kind != "application/octet-stream":
                        raise PreviewError(f"not an image ({kind[:40]})")
                    return _read_capped(response, max_bytes)
            except httpx.TimeoutException:
                raise PreviewError("the media server did not answer in time") from None
            except httpx.HTTPError:
                raise PreviewError("the media server could not be reached") from None
    raise PreviewError("too many redirects")


def _read_capped(response: object, max_bytes: int) -> bytes:
    chunks, total = [], 0
    for chunk in response.iter_bytes():  # type: ignore[attr-defined]
        total += len(chunk)
        if total > max_bytes:
            raise PreviewError(f"larger than {max_bytes >> 20} MiB")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_image(data: bytes) -> Image:
    """The picture in `data`, shrunk for a terminal, or PreviewError("not an image") — never a decoder's own words."""
    return _decode(data)[0]


def _decode(data: bytes) -> tuple[Image, tuple[int, int]]:
    """(the shrunk picture, the size it had)."""
    import io

    from PIL import Image as PILImage

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(data)) as image:
                size = image.size
                if image.width * image.height > MAX_PIXELS:
                    raise PreviewError(f"too large to preview ({image.width}×{image.height} pixels)")
                image.draft("RGB", PREVIEW_PIXELS)  # a JPEG decodes straight at a reduced size
                picture = image.convert("RGB")
    except PreviewError:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for bytes that are no image it can read
        raise PreviewError("not an image kgp-tui can show") from None
    picture.thumbnail(PREVIEW_PIXELS)
    return picture, size


def load_preview(url: str, cache: PreviewCache, *, allow_insecure_http: bool = False,
                 timeout: float = 15.0) -> Image:
    """The preview image for `url`: from the cache, else fetched (and kept once it proved to be an image)."""
    data = cache.get(url)
    if data is not None:
        try:
            return decode_image(data)
        except PreviewError:
            pass  # a damaged cache file: fetch it again
    data = fetch_image_bytes(url, allow_insecure_http=allow_insecure_http, timeout=timeout)
    picture, size = _decode(data)
    cache.put(url, _shrunk_png(picture) if picture.size != size else data)
    return picture


def _shrunk_png(picture: Image) -> bytes:
    """What the cache keeps of a large image: the copy a terminal can show (smaller, and quicker to decode)."""
    import io

    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
