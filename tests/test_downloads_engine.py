"""Downloads against the simulator's media host, over real HTTP on loopback, on both surfaces where it applies:
byte-identical files, resume after a drop, a server that ignores Range, expired links, wrong lengths, the key
kept off the media host, disk errors, and nothing half-written under a final name."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

import pytest
from support import TEST_KEY
from support.downloads import biggest_under, expected_bytes, files_in, relabel, results_of, smallest

from kgp_tui.downloads import engine, http_client
from kgp_tui.downloads.engine import ApiAuth, DownloadError
from kgp_tui.downloads.manager import DownloadManager


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _download(results, folder: Path, **options):
    http = http_client(timeout=10.0)
    try:
        manager = DownloadManager(http, **options)
        items = manager.add("c", results, folder)
        await manager.wait()
        return manager, [manager.items[item.id] for item in items]
    finally:
        await http.aclose()


async def test_a_full_download_is_byte_identical_and_leaves_no_part(surface_sim, tmp_path):
    _cid, results = await results_of(surface_sim)
    chosen = smallest(results, 2)  # the unified video is 40 MB: the two smaller files make the point
    _manager, items = await _download(chosen, tmp_path)
    assert [item.state for item in items] == ["done", "done"], [item.message for item in items]
    for item, result in zip(items, chosen, strict=True):
        data = item.path.read_bytes()
        assert data == expected_bytes(surface_sim, result.url)
        assert len(data) == result.size_bytes and item.sha256 == _sha(data)
    assert not [name for name in files_in(tmp_path) if name.endswith(".part")]


async def test_an_image_result_is_a_valid_png_of_its_size(surface_sim, tmp_path):
    _cid, results = await results_of(surface_sim)
    image = next(r for r in results if r.mime_type == "image/png")
    _manager, [item] = await _download([image], tmp_path)
    data = item.path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) == image.size_bytes
    from PIL import Image

    with Image.open(item.path) as picture:
        picture.load()
        assert picture.size == (64, 36)


async def test_a_drop_mid_body_resumes_with_range_and_ends_byte_identical(surface_sim, tmp_path):
    _cid, results = await results_of(surface_sim)
    result = biggest_under(results)
    surface_sim.set_scenario("media_drop", times=1)
    _manager, [item] = await _download([result], tmp_path)
    assert item.state == "done", item.message
    assert item.path.read_bytes() == expected_bytes(surface_sim, result.url)
    gets = [r for r in surface_sim.media_log if r.method == "GET"]
    assert [r.status for r in gets] == [200, 206]
    assert gets[0].range is None
    offset = int(gets[1].range.removeprefix("bytes=").rstrip("-"))
    assert 0 < offset < result.size_bytes  # it continued where the drop left it, not from the start
    assert gets[1].headers.get("If-Range", "").startswith('"')


async def test_a_server_that_ignores_range_gets_a_clean_restart(sim, tmp_path):
    _cid, results = await results_of(sim)
    result = biggest_under(results)
    good = expected_bytes(sim, result.url)
    part = tmp_path / "x.mp4.part"
    part.write_bytes(b"left over from another file" * 1000)  # what an append would corrupt
    head = sim.media_log
    sim.set_scenario("media_ignore_range")
    http = http_client(timeout=10.0)
    try:
        fetched = await engine.fetch(http, result.url, part, expected_size=result.size_bytes, etag='"earlier"')
    finally:
        await http.aclose()
    assert part.read_bytes() == good and fetched.sha256 == _sha(good)
    sent = sim.media_log[len(head):]
    assert sent[0].range is not None and sent[0].status == 200  # asked to resume, got the whole file


@pytest.mark.parametrize("status", [403, 404])
async def test_an_expired_url_is_said_and_leaves_nothing(surface_sim, tmp_path, status):
    _cid, results = await results_of(surface_sim)
    surface_sim.set_scenario("media_expired", status=status)
    _manager, [item] = await _download(smallest(results), tmp_path)
    assert item.state == "failed" and item.error_kind == "expired"
    assert "expired" in item.message and f"HTTP {status}" in item.message
    assert files_in(tmp_path) == []


async def test_a_wrong_length_is_refused_and_leaves_nothing(surface_sim, tmp_path):
    _cid, results = await results_of(surface_sim)
    surface_sim.set_scenario("media_wrong_length", delta=-10)
    _manager, [item] = await _download(smallest(results), tmp_path)
    assert item.state == "failed" and item.error_kind == "wrong_length"
    assert "wrong length" in item.message
    assert files_in(tmp_path) == []


async def test_the_api_key_never_reaches_the_media_host(surface_sim, tmp_path):
    _cid, results = await results_of(surface_sim)
    header = {"v1": "X-KGP-Api-Key", "unified": "Authorization"}[surface_sim.surface]
    auth = ApiAuth(origin=surface_sim.base_url, headers={header: TEST_KEY})
    _manager, items = await _download(smallest(results, 2), tmp_path, auth=lambda: auth)
    assert all(item.state == "done" for item in items)
    assert surface_sim.media_log
    for request in surface_sim.media_log:
        assert not any(TEST_KEY in value for value in request.headers.values()), request
        assert {name.lower() for name in request.headers} & {"x-kgp-api-key", "authorization"} == set()


def test_the_key_goes_only_to_the_api_origin():
    auth = ApiAuth(origin="https://api.kpainter.ai/openapi/v1", headers={"X-KGP-Api-Key": "k"})
    assert engine.headers_for("https://api.kpainter.ai/files/1.mp4", auth, {}) == {"X-KGP-Api-Key": "k"}
    assert engine.headers_for("https://api.kpainter.ai:443/x", auth, {}) == {"X-KGP-Api-Key": "k"}
    for other in ("https://cdn.kpainter.ai/x", "http://api.kpainter.ai/x", "https://api.kpainter.ai:8443/x",
                  "https://api.kpainter.ai.evil.example/x"):
        assert engine.headers_for(other, auth, {}) == {}, other


def test_plain_http_media_only_on_loopback_unless_allowed():
    assert engine.url_problem("http://127.0.0.1:9/x", False) is None
    assert engine.url_problem("https://cdn.example/x", False) is None
    assert "allow_insecure_http" in engine.url_problem("http://cdn.example/x", False)
    assert engine.url_problem("http://cdn.example/x", True) is None
    assert engine.url_problem("file:///etc/passwd", True) == "it is not an http(s) URL"


async def test_a_full_disk_is_said_and_keeps_the_part_for_a_retry(sim, tmp_path, monkeypatch):
    _cid, results = await results_of(sim)
    real_open = open

    class Full:
        def __init__(self, *args):
            self.file = real_open(*args)

        def write(self, _data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.file, name)

    monkeypatch.setattr(engine, "open", Full, raising=False)
    _manager, [item] = await _download(smallest(results), tmp_path)
    assert item.state == "failed" and item.error_kind == "disk_full" and "disk is full" in item.message
    assert [name for name in files_in(tmp_path) if not name.endswith(".part")] == []


async def test_permission_denied_is_said(sim, tmp_path, monkeypatch):
    _cid, results = await results_of(sim)

    def refused(*_args):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(engine, "open", refused, raising=False)
    _manager, [item] = await _download(smallest(results), tmp_path)
    assert item.state == "failed" and item.error_kind == "permission"
    assert "permission denied" in item.message and str(tmp_path) in item.message
    assert files_in(tmp_path) == []


def test_publishing_never_replaces_a_file(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"mine")
    part = tmp_path / "a.mp4.part"
    part.write_bytes(b"downloaded")
    final = engine.publish(part, tmp_path / "a.mp4")
    assert final.name == "a (2).mp4" and final.read_bytes() == b"downloaded"
    assert (tmp_path / "a.mp4").read_bytes() == b"mine" and not part.exists()


async def test_at_most_three_at_once(sim, tmp_path):
    ids = sim.seed_creations(2)
    results = []
    for cid in ids:
        results.extend((await results_of(sim, str(cid)))[1])
    sim.set_scenario("media_slow", rate=400_000)
    seen_active: list[int] = []
    http = http_client(timeout=10.0)
    try:
        manager = DownloadManager(http)
        manager.on_change = lambda _item: seen_active.append(
            sum(1 for other in manager.items.values() if other.state == "active"))
        small = [r for r in results if (r.size_bytes or 0) < 1_100_000]
        manager.add("c", small, tmp_path)
        await manager.wait()
    finally:
        await http.aclose()
    assert len(small) >= 4 and all(item.state == "done" for item in manager.items.values())
    assert max(seen_active) == 3


def test_download_error_words_are_plain():
    error = engine.disk_error(OSError(errno.EROFS, "Read-only file system"), Path("/x/y.mp4"))
    assert isinstance(error, DownloadError) and error.kind == "permission"


class _Redirector:
    """A loopback server standing in for the API's own origin: every GET answers 302 to `target(path)`."""

    def __init__(self, target):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                seen.append(dict(self.headers.items()))
                self.send_response(302)
                self.send_header("Location", target(self.path))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


async def test_a_redirect_from_the_api_origin_is_followed_and_the_key_stays_behind(sim, tmp_path):
    _cid, results = await results_of(sim)
    result = smallest(results)[0]
    media_path = result.url.removeprefix(sim.media_origin)
    redirector = _Redirector(lambda path: sim.media_origin + path)
    try:
        auth = ApiAuth(origin=redirector.origin + "/openapi/v1", headers={"X-KGP-Api-Key": TEST_KEY})
        http = http_client(timeout=10.0)
        try:
            fetched = await engine.fetch(http, redirector.origin + media_path, tmp_path / "f.part", auth=auth,
                                         expected_size=result.size_bytes)
        finally:
            await http.aclose()
    finally:
        redirector.close()
    assert fetched.sha256 == _sha(expected_bytes(sim, result.url))
    assert redirector.seen[0].get("X-KGP-Api-Key") == TEST_KEY  # the API's own origin may have it
    [media] = sim.media_log
    assert not any(TEST_KEY in value for value in media.headers.values())


async def test_redirects_are_bounded_and_each_hop_is_checked(tmp_path):
    loop = _Redirector(lambda path: "/again" + path)
    try:
        http = http_client(timeout=10.0)
        try:
            with pytest.raises(DownloadError, match="more than 5 redirects"):
                await engine.fetch(http, loop.origin + "/x", tmp_path / "x.part")
            assert len(loop.seen) == 6
            outside = _Redirector(lambda path: "http://media.example.invalid" + path)
            try:
                with pytest.raises(DownloadError, match="plain http") as caught:
                    await engine.fetch(http, outside.origin + "/x", tmp_path / "y.part")
                assert caught.value.kind == "refused"
            finally:
                outside.close()
        finally:
            await http.aclose()
    finally:
        loop.close()
    assert not list(tmp_path.iterdir())


async def test_hostile_labels_land_safely_inside_the_folder(sim, tmp_path):
    _cid, results = await results_of(sim)
    hostile = ["../../etc/passwd", "\x1b[2J\x1b]52;c;aGk=\x07bell\x00", "a/b/c", "x" * 300]
    chosen = [relabel(result, label) for result, label in zip(results, hostile, strict=False)]
    folder = tmp_path / "in" / "here"
    _manager, items = await _download(chosen, folder)
    assert all(item.state == "done" for item in items), [item.message for item in items]
    names = files_in(tmp_path)
    assert names == sorted(item.name for item in items) and all(item.path.parent == folder for item in items)
    assert "etc_passwd.mp4" in names and "a_b_c.png" in names and not (tmp_path / "etc").exists()
    assert all(name.isprintable() and len(name.encode()) <= 255 for name in names)


async def test_an_existing_file_is_never_overwritten(sim, tmp_path):
    _cid, results = await results_of(sim)
    video = next(r for r in results if r.mime_type == "video/mp4")
    (tmp_path / "Final video.mp4").write_bytes(b"the user's own file")
    _manager, [first] = await _download([video], tmp_path)
    _manager, [second] = await _download([video], tmp_path)
    assert (tmp_path / "Final video.mp4").read_bytes() == b"the user's own file"
    assert [first.path.name, second.path.name] == ["Final video (2).mp4", "Final video (3).mp4"]
    assert first.path.read_bytes() == second.path.read_bytes() == expected_bytes(sim, video.url)
