"""The file-attach widget in a tiny harness app, driven by keys, with a real unified adapter against a real
unified simulator on loopback: pick by path (with completion) or by tree, refusals before any request, uploads
with progress, 413/415 and network failures explained, remove and retry."""

from __future__ import annotations

import copy

import pytest
from support import TEST_KEY
from support.app import paste, screen_text, wait_for
from support.unified_http import unified
from textual import on
from textual.app import App, ComposeResult
from textual.widgets import DirectoryTree, ProgressBar

from kgp_tui.api.surface import connect
from kgp_tui.api.unified import UnifiedAdapter, UnifiedClient
from kgp_tui.screens.file_picker import FilePicker, PathSuggester
from kgp_tui.widgets.file_attach import FileAttach


class Harness(App[None]):
    def __init__(self, attach: FileAttach) -> None:
        super().__init__()
        self.attach = attach
        self.uploaded: list[list[str]] = []
        self.changes = 0

    def compose(self) -> ComposeResult:
        yield self.attach

    @on(FileAttach.Uploaded)
    def _uploaded(self, event: FileAttach.Uploaded) -> None:
        self.uploaded.append(event.file_ids)

    @on(FileAttach.Changed)
    def _changed(self, event: FileAttach.Changed) -> None:
        self.changes += 1


@pytest.fixture
def usim():
    with unified(step_seconds=0.02) as server:
        yield server


@pytest.fixture
async def adapter(usim):
    connection = await connect(usim.base_url, TEST_KEY)
    assert connection.surface == "unified"
    try:
        yield connection.adapter
    finally:
        await connection.adapter.aclose()


def file_posts(server) -> list[str]:
    return [p for m, p, _s in server.request_log if m == "POST" and p.endswith("/files")]


def write(path, size: int, head: bytes = b"") -> object:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + b"x" * max(size - len(head), 0))
    return path


async def attach_of(adapter, **options) -> FileAttach:
    return FileAttach((await adapter.offer()).files, options.pop("max_files", None), **options)


async def type_path(pilot, text: str) -> None:
    await pilot.click("#file-attach-path")
    await paste(pilot, text)


async def add_files(pilot, attach: FileAttach, *paths) -> None:
    """Type each path into the input and press Enter; wait until all are listed."""
    before = len(attach.paths)
    for path in paths:
        await type_path(pilot, str(path))
        await pilot.press("enter")
    await wait_for(pilot, lambda: len(attach.paths) == before + len(paths), what=f"{len(paths)} more listed")


async def to_row(pilot, row: int) -> None:
    """From the (empty) path input, Tab into the list and go down to ``row``."""
    await pilot.click("#file-attach-path")
    await pilot.press("tab", *["down"] * row)
    assert pilot.app.query_one("#file-attach-list").index == row


def test_the_suggester_expands_home_ends_folders_with_a_slash_and_hides_dotfiles(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "notes.md", 10)
    (tmp_path / "reports").mkdir()
    write(tmp_path / ".secret", 3)
    assert PathSuggester.complete("~/no") == "~/notes.md"
    assert PathSuggester.complete("~/rep") == "~/reports/"
    assert PathSuggester.complete(f"{tmp_path}/reports") == f"{tmp_path}/reports/"
    assert PathSuggester.complete("~/notes.md") is None  # nothing left to add
    assert PathSuggester.complete("~/") in ("~/notes.md", "~/reports/")
    assert PathSuggester.complete("~/.s") == "~/.secret"
    assert PathSuggester.complete("~/nothing-here/x") is None


async def test_a_path_typed_with_tab_and_arrow_completion_is_listed_with_size_and_type(adapter, usim, tmp_path,
                                                                                       monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "reports" / "q1.pdf", 2048, b"%PDF")
    attach = await attach_of(adapter)
    app = Harness(attach)
    async with app.run_test(size=(100, 30)) as pilot:
        field = app.query_one("#file-attach-path")
        await type_path(pilot, "~/rep")
        await wait_for(pilot, lambda: field.suggestion == "~/reports/", what="folder completion")
        await pilot.press("tab")
        assert field.value == "~/reports/" and app.focused is field
        await wait_for(pilot, lambda: field.suggestion == "~/reports/q1.pdf", what="file completion")
        await pilot.press("right")
        assert field.value == "~/reports/q1.pdf"
        await pilot.press("enter")
        await wait_for(pilot, lambda: attach.paths, what="the file listed")
        assert attach.paths == [tmp_path / "reports" / "q1.pdf"] and field.value == ""
        text = screen_text(app)
        assert "q1.pdf" in text and "2.0 KiB" in text and "application/pdf" in text and "to upload" in text
        await type_path(pilot, "~/missing.pdf")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "There is no file at ~/missing.pdf" in screen_text(app), what="no such file")
        assert field.value == "~/missing.pdf" and len(attach.paths) == 1  # the typed text is kept
    assert file_posts(usim) == [] and app.changes >= 1


async def test_a_file_picked_in_the_directory_tree_is_listed_and_esc_cancels(adapter, tmp_path):
    write(tmp_path / "pick" / "sub" / "deep.pdf", 100, b"%PDF")
    write(tmp_path / "pick" / "top.txt", 10)
    attach = await attach_of(adapter, start_dir=tmp_path / "pick")
    app = Harness(attach)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.click("#file-attach-path")
        await pilot.press("ctrl+o")
        tree = await wait_for(pilot, lambda: isinstance(app.screen, FilePicker) and app.screen.query_one(
            DirectoryTree), what="the picker")
        await wait_for(pilot, lambda: len(tree.root.children) == 2, what="the folder loaded")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilePicker), what="cancelled")
        assert attach.paths == []
        await pilot.press("ctrl+o")
        tree = await wait_for(pilot, lambda: isinstance(app.screen, FilePicker) and app.screen.query_one(
            DirectoryTree), what="the picker again")
        await wait_for(pilot, lambda: len(tree.root.children) == 2, what="the folder loaded again")
        await wait_for(pilot, lambda: tree.cursor_node is not None, what="a cursor")
        while tree.cursor_node is not None and str(tree.cursor_node.label) != "sub":
            await pilot.press("down")
        await pilot.press("enter")  # opens the folder
        await wait_for(pilot, lambda: tree.cursor_node.children, what="sub loaded")
        await pilot.press("down", "enter")  # picks the file in it
        await wait_for(pilot, lambda: not isinstance(app.screen, FilePicker), what="picked")
        assert attach.paths == [tmp_path / "pick" / "sub" / "deep.pdf"]
        assert "deep.pdf" in screen_text(app)


async def test_files_the_limits_refuse_are_marked_and_never_sent(tmp_path):
    with unified(max_file_bytes=1000) as small:
        connection = await connect(small.base_url, TEST_KEY)
        try:
            attach = await attach_of(connection.adapter, max_files=2)
            app = Harness(attach)
            big = write(tmp_path / "big.pdf", 2000, b"%PDF")
            exe = write(tmp_path / "tool.exe", 10, b"MZ")
            folder = tmp_path / "folder"
            folder.mkdir()
            empty = write(tmp_path / "empty.txt", 0)
            good = [write(tmp_path / name, 100) for name in ("a.txt", "b.md", "c.png")]
            async with app.run_test(size=(120, 50)) as pilot:
                await add_files(pilot, attach, big, exe, folder, empty, *good)
                text = screen_text(app)
                assert "big.pdf is 2.0 KB; the server takes at most 1000 bytes." in text
                assert "tool.exe is application/" in text or "tool.exe is of an unknown type" in text
                assert "This is a folder: pick a file in it." in text and "This file is empty." in text
                assert "At most 2 files can be attached: remove one." in text
                assert len(attach.problems) == 5
                attach.upload(connection.adapter)
                await wait_for(pilot, lambda: len(attach.file_ids) == 2 and not attach.busy, what="the two sent")
                assert len(file_posts(small)) == 2 and app.uploaded == []  # refused files still listed
                assert "Traceback" not in screen_text(app)
        finally:
            await connection.adapter.aclose()


async def test_an_upload_shows_100_percent_and_its_id_is_taken_by_a_create(adapter, usim, tmp_path):
    notes = write(tmp_path / "notes.md", 300_000, b"# Attention\n")
    attach = await attach_of(adapter)
    app = Harness(attach)
    async with app.run_test(size=(100, 30)) as pilot:
        await add_files(pilot, attach, notes)
        attach.upload(adapter)
        await wait_for(pilot, lambda: app.uploaded, what="Uploaded")
        bar = app.query_one("#file-attach-list ProgressBar", ProgressBar)
        assert bar.percentage == 1 and "100%" in screen_text(app) and "uploaded ✓" in screen_text(app)
    assert app.uploaded == [attach.file_ids] and len(attach.file_ids) == 1
    assert file_posts(usim) == ["/openapi/v1/files"]
    video = (await adapter.offer()).product("video")
    values = {**video.defaults(), "prompt": "Explain attention", "duration_seconds": 120}
    run = await adapter.create(video, values, attach.file_ids)
    assert run.id and (await adapter.creation(run.id)).id == run.id


@pytest.mark.parametrize(("name", "head", "words"), [
    ("big.pdf", b"%PDF", "The server refused it as too large (HTTP 413). Nothing was uploaded"),
    ("data.zip", b"PK", "The server does not take this type of file (HTTP 415)."),
])
async def test_a_413_or_415_from_the_server_is_explained_and_the_rest_is_kept(tmp_path, name, head, words):
    with unified(max_file_bytes=1000) as small:
        caps = copy.deepcopy(await _capabilities(small))
        caps["files"]["max_bytes"] = 10_000_000  # the server advertises more than it takes
        caps["files"]["mime_types"].append("application/zip")  # and a type it refuses
        adapter = UnifiedAdapter(UnifiedClient(small.base_url, TEST_KEY), capabilities=caps)
        try:
            attach = await attach_of(adapter)
            app = Harness(attach)
            ok = write(tmp_path / "ok.txt", 100)
            refused = write(tmp_path / name, 5000 if name == "big.pdf" else 100, head)
            async with app.run_test(size=(120, 30)) as pilot:
                await add_files(pilot, attach, ok, refused)
                assert attach.problems == []  # within what was advertised
                attach.upload(adapter)
                await wait_for(pilot, lambda: words in screen_text(app), what="the refusal explained")
                assert len(attach.file_ids) == 1 and app.uploaded == [] and not attach.busy
                assert len(file_posts(small)) == 2
                text = screen_text(app)
                assert "Error" not in text and "Traceback" not in text and "limit is 1,000" not in text
                await to_row(pilot, 1)
                await pilot.press("r")  # the server would refuse it again: not resent
                await pilot.pause()
                assert len(file_posts(small)) == 2
                await pilot.press("delete")
                await wait_for(pilot, lambda: len(attach.paths) == 1, what="the refused file removed")
                assert app.uploaded == []  # removing it sends nothing by itself
                attach.upload(adapter)
                await wait_for(pilot, lambda: app.uploaded, what="nothing left to send: Uploaded")
            assert app.uploaded == [attach.file_ids] and len(file_posts(small)) == 2
        finally:
            await adapter.aclose()


async def _capabilities(server) -> dict:
    probe = UnifiedAdapter(UnifiedClient(server.base_url, TEST_KEY))
    try:
        return await probe.capabilities()
    finally:
        await probe.aclose()


async def test_a_dropped_connection_is_explained_r_retries_it_and_remove_drops_a_file(adapter, usim, tmp_path):
    first, second, third = (write(tmp_path / f"{n}.txt", 500) for n in ("one", "two", "three"))
    attach = await attach_of(adapter)
    app = Harness(attach)
    async with app.run_test(size=(120, 30)) as pilot:
        await add_files(pilot, attach, first, second, third)
        await to_row(pilot, 2)
        await pilot.press("delete")  # the third goes
        await wait_for(pilot, lambda: attach.paths == [first, second], what="removed")
        await wait_for(pilot, lambda: "three.txt" not in screen_text(app), what="its row gone")
        usim.set_scenario("drop_connection", times=1, path="/files")
        attach.upload(adapter)
        await wait_for(pilot, lambda: "The connection broke during the upload. Press r to try again." in
                       screen_text(app) and not attach.busy, what="the failure explained")
        assert len(attach.file_ids) == 1 and app.uploaded == []  # what succeeded is kept
        await pilot.press("down", "r")  # r on a file that is up does nothing
        await pilot.pause()
        assert len(file_posts(usim)) == 2
        await pilot.press("up", "r")
        await wait_for(pilot, lambda: app.uploaded, what="Uploaded after the retry")
        assert len(attach.file_ids) == 2 and app.uploaded == [attach.file_ids]
        assert len(file_posts(usim)) == 3 and "failed" not in screen_text(app)


class CountingAdapter(UnifiedAdapter):
    """The real adapter, counting how many uploads run at once."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.running = self.most = 0

    async def upload(self, path, progress=None):
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            return await super().upload(path, progress)
        finally:
            self.running -= 1


async def test_files_go_one_at_a_time_even_when_upload_is_asked_again_meanwhile(usim, tmp_path):
    usim.set_scenario("slow", delay=0.1, path="/files")
    adapter = CountingAdapter(UnifiedClient(usim.base_url, TEST_KEY))
    try:
        attach = await attach_of(adapter)
        app = Harness(attach)
        files = [write(tmp_path / f"{n}.txt", 2000) for n in ("a", "b", "c")]
        async with app.run_test(size=(120, 30)) as pilot:
            await add_files(pilot, attach, *files[:2])
            attach.upload(adapter)
            assert attach.busy and attach.add_path(files[2])  # before the first worker has even started
            attach.upload(adapter)
            attach.upload(adapter)
            await wait_for(pilot, lambda: app.uploaded, what="Uploaded")
            await pilot.pause()
        assert adapter.most == 1 and len(file_posts(usim)) == 3
        assert app.uploaded == [attach.file_ids] and len(set(attach.file_ids)) == 3  # once, with all three, in order
    finally:
        await adapter.aclose()


async def test_a_name_the_server_echoes_is_shown_as_plain_text(adapter, usim, tmp_path):
    usim.set_scenario("hostile_text")
    attach = await attach_of(adapter)
    app = Harness(attach)
    async with app.run_test(size=(160, 30)) as pilot:
        await add_files(pilot, attach, write(tmp_path / "notes.txt", 100))
        attach.upload(adapter)
        await wait_for(pilot, lambda: app.uploaded, what="Uploaded")
        text = screen_text(app)
        assert "notes.txt [bold]B[/bold]" in text  # markup shown as it came, not applied
        assert "\x1b" not in text and "\x07" not in text


async def test_the_widget_leaves_its_screen_cleanly_and_every_binding_has_an_id(adapter, tmp_path):
    from textual.binding import Binding

    from kgp_tui.widgets.file_attach import BINDING_CLASSES

    ids = [b.id for cls in BINDING_CLASSES for b in cls.__dict__["BINDINGS"] if isinstance(b, Binding)]
    assert ids and all(i and i.startswith("file_attach.") for i in ids) and len(ids) == len(set(ids))
    attach = await attach_of(adapter)
    app = Harness(attach)
    async with app.run_test(size=(100, 30)) as pilot:
        await add_files(pilot, attach, write(tmp_path / "a.txt", 10))
        await attach.remove()  # as a form does when it closes
        assert not app.query(FileAttach)


async def test_limits_given_after_mounting_recheck_the_list_and_clear_empties_it(adapter, tmp_path):
    from kgp_tui.api.domain import FileLimits

    attach = FileAttach(None, None, start_dir=tmp_path)
    app = Harness(attach)
    async with app.run_test(size=(100, 30)) as pilot:
        await add_files(pilot, attach, write(tmp_path / "big.pdf", 5000, b"%PDF"), write(tmp_path / "a.md", 10))
        assert attach.problems == []  # no limits known yet: only the server can say
        attach.limits = FileLimits(max_bytes=1000, max_files=5, mime_types=("application/pdf", "text/markdown"))
        await wait_for(pilot, lambda: "the server takes at most 1000 bytes" in screen_text(app), what="rechecked")
        assert [p.split(":")[0] for p in attach.problems] == ["big.pdf"]
        await pilot.press("ctrl+o")
        tree = await wait_for(pilot, lambda: isinstance(app.screen, FilePicker) and app.screen.query_one(
            DirectoryTree), what="the picker")
        await pilot.press("backspace")  # up a folder
        await wait_for(pilot, lambda: tree.path == tmp_path.parent, what="the parent folder")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilePicker), what="cancelled")
        changes = app.changes
        attach.clear()
        await wait_for(pilot, lambda: "big.pdf" not in screen_text(app) and app.changes > changes, what="emptied")
        assert attach.paths == [] and attach.file_ids == []
