"""A tiny media host on loopback for the preview tests: real PNG bytes, a 404, a page that is no image, a redirect,
and the headers of every request it got (so a test can say the API key never came).

Until the simulator serves its own media URLs, `point_media_at` rewrites a v1 simulator creation's URLs to it.
"""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kgp_tui.simulator.content import CDN

MISSING = "missing"  # a path containing this gets a 404
NOT_AN_IMAGE = "page"  # ... an HTML page
REDIRECT = "moved"  # ... a 302 to the same path without it


def png_bytes(colour: tuple[int, int, int] = (255, 0, 0), size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


class MediaServer:
    """Serves a solid-coloured PNG for any other path; `requests` lists (path, headers) as received."""

    def __init__(self, colour: tuple[int, int, int] = (255, 0, 0)) -> None:
        self.body = png_bytes(colour)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        media = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                with media._lock:
                    media.requests.append((self.path, dict(self.headers.items())))
                if MISSING in self.path:
                    self._reply(404, "text/plain", b"no such file")
                elif NOT_AN_IMAGE in self.path:
                    self._reply(200, "text/html", b"<html>sign in</html>")
                elif REDIRECT in self.path:
                    self.send_response(302)
                    self.send_header("Location", self.path.replace(REDIRECT, "landed"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._reply(200, "image/png", media.body)

            def _reply(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> MediaServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def paths(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.requests]


def point_media_at(sim, creation_id: int, base_url: str, rename: dict[str, str] | None = None) -> None:
    """Make a ready v1 simulator creation's URLs point at `base_url` (a path part can be renamed, e.g. to MISSING)."""
    with sim._store.lock:
        result = sim._store.creations[creation_id].result

        def moved(url: str | None) -> str | None:
            if not url:
                return url
            url = url.replace(CDN, base_url)
            for old, new in (rename or {}).items():
                url = url.replace(old, new)
            return url

        result["main_url"] = moved(result.get("main_url"))
        result["thumbnail_url"] = moved(result.get("thumbnail_url"))
        for artifact in result.get("artifacts", []):
            artifact["url"] = moved(artifact.get("url"))
        for scene in result.get("scenes", []):
            scene["image_url"] = moved(scene.get("image_url"))
