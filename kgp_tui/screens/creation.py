"""CreationScreen: one creation's status, main URL, results (v1 artifacts or unified outputs) and v1 scenes, with
the selected scene's narration. A paused unified creation gets a place for its actions panel, a unified video one
for its conversation (built apart: kgp_tui/screens/actions.py, kgp_tui/widgets/conversation.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from kgp_tui.edits import SCENE_ACTIONS, changed_scenes, edit_refusal, scene_name, word_order
from kgp_tui.format import human_duration, human_size, sanitize, status_label
from kgp_tui.screens.base import KGPScreen
from kgp_tui.screens.creation_unified import UNIFIED_EDIT, UnifiedPanes, unified_facts
from kgp_tui.screens.downloads import DownloadKeys
from kgp_tui.widgets.creation_info import (
    ENDED_WORDS,
    clean,
    describe_creation,
    error_parts,
    main_url,
    none_because,
    outcome,
)
from kgp_tui.widgets.ordered import KeysInOrder
from kgp_tui.widgets.preview import PreviewToggle

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation, Result, Run, Scene
    from kgp_tui.store import TrackedRun

MARK = "✎ changed"


class LatestJobLoaded(Message):
    """The latest job of a creation that ended, asked for because nothing here said why it ended."""

    def __init__(self, job_id: str, job: Run | None = None, problem: str = "") -> None:
        super().__init__()
        self.job_id, self.job, self.problem = job_id, job, problem



class ResultsTable(KeysInOrder, DataTable):
    """The artifacts/outputs and scenes tables. Their single-letter keys (d, o, y, e …) act in the table's own
    queue, and a key that comes after Tab moved the focus on goes there: "Tab, then a message typed" in one burst
    (SSH, tmux) lands in the message box instead of downloading, opening and editing."""

class CreationScreen(PreviewToggle, DownloadKeys, UnifiedPanes, KGPScreen):
    IS_DETAIL = True  # a mode key leaves it for that mode's list (KGPApp.action_show_mode)
    BINDINGS = [
        Binding("o", "open_url", "Open URL", id="creation.open_url"),
        Binding("y", "copy_url", "Copy URL", id="creation.copy_url"),
        Binding("d", "download_selected", "Download", id="creation.download"),
        Binding("D", "download_all", "Download all", id="creation.download_all", show=False),
        Binding("e", "edit('update_scene_narration')", "Edit narration", id="creation.edit_narration"),
        Binding("g", "edit('regenerate_scene')", "Regenerate scene", id="creation.regenerate_scene"),
        Binding("i", "edit('iterate')", "Iterate", id="creation.iterate"),
        Binding("r", "reload", "Reload", id="creation.reload"),
        Binding("p", "toggle_preview", "Preview", id="creation.preview"),  # kgp_tui/widgets/preview.py
        Binding("escape", "back", "Back", id="creation.back"),
    ]

    def __init__(self, creation_id: str) -> None:
        super().__init__()
        self.creation_id = creation_id
        self._shown: Creation | None = None
        # What changed while this screen was open (an edit finished): scene_id -> words, and the main URL.
        self.changed: dict[str, list[str]] = {}
        self.main_changed = False
        # The latest job of an ended creation whose detail says nothing about why: asked for once, kept here only.
        self._latest_job: Run | None = None
        self._lookup: dict[str, str] = {}  # job id -> what asking for it said so far ("" once it answered)
        self._filled: tuple[Any, str | None] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(Text(f"Loading creation #{self.creation_id}…"), id="creation-info", markup=False)
        with Horizontal(id="creation-body"):
            with Vertical(id="creation-tables"):
                yield Label("Artifacts" if self._surface == "v1" else "Outputs", classes="pane-title")
                yield ResultsTable(id="artifacts", cursor_type="row")
                yield Label("Scenes", classes="pane-title", id="scenes-title")
                yield ResultsTable(id="scenes", cursor_type="row")
                # the paused-creation actions panel (kgp_tui/screens/actions.py) mounts here while run.needs_user
                yield Vertical(id="creation-pause")
            with VerticalScroll(id="narration-pane"):
                yield Label("Narration", classes="pane-title", id="narration-title")
                yield Static("", id="narration", markup=False)
                # the conversation pane of a unified video (kgp_tui/widgets/conversation.py) mounts here
                yield Vertical(id="creation-conversation")

    def on_mount(self) -> None:
        super().on_mount()
        artifacts = self.query_one("#artifacts", DataTable)
        for key, label in (("kind", "Kind"), ("label", "Label"), ("size", "Size"), ("mime", "MIME")):
            artifacts.add_column(label, key=key)
        scenes = self.query_one("#scenes", DataTable)
        for key, label in (("index", "#"), ("scene_id", "Scene id"), ("title", "Title"), ("duration", "Length"),
                           ("status", "Status")):
            scenes.add_column(label, key=key)
        self._refresh_view()
        (scenes if self._surface == "v1" else artifacts).focus()  # unified: no scenes, the outputs have the keys

    @property
    def _surface(self) -> str:
        return self.app.store.surface or "v1"  # type: ignore[no-any-return]

    @property
    def creation(self) -> Creation | None:
        return self.app.store.creations.get(self.creation_id)  # type: ignore[no-any-return]

    def on_store(self, topic: str, key: Any) -> None:
        if topic == "creations" and key in (self.creation_id, None):
            self._refresh_view()
        elif topic == "jobs":  # one reply per poll of any run: only this creation's runs matter here
            tracked = self.app.store.runs.get(key) if key is not None else None
            if key is None or (tracked is not None and tracked.creation_id == self.creation_id):
                self._refresh_view()

    def _refresh_view(self) -> None:
        creation = self.creation
        if creation is None:
            return
        tracked = self.app.store.run_for_creation(self.creation_id)
        if creation is not self._shown:
            # the first time, compare with the creation as it was before an edit the user has not seen finish
            before = self._shown if self._shown is not None else self.app.edit_baselines.get(self.creation_id)
            self._note_changes(before, creation)
        latest = self._known_latest_job(creation, tracked)
        self._ask_why(creation, latest)
        lookup = self._lookup.get(creation.latest_run_id or "", "")
        info = describe_creation(creation, tracked, self._changes_text(), latest_job=latest, lookup=lookup,
                                 width=self._info_width(), console=self.app.console)
        facts = unified_facts(creation)
        if facts:
            info.append("\n" + facts)
        self.query_one("#creation-info", Static).update(info)
        self._mount_unified(creation)
        self.refresh_bindings()  # what may be edited follows the creation's status and editable_actions
        ended = outcome(creation, latest)
        if self._filled is not None and self._filled[0] is creation and self._filled[1] == ended:
            return
        self._shown = creation
        self._filled = (creation, ended)
        self._fill_artifacts(creation, ended)
        self._fill_scenes(creation, ended)
        self._show_narration()

    def _info_width(self) -> int:
        return max(20, self.app.size.width - 2)  # the info block spans the screen, less its padding

    def on_resize(self) -> None:
        if self._filled is not None:  # shown once already: the title and prompt are capped at the new width
            self._refresh_view()

    # -- why a creation ended -----------------------------------------------------------------------------

    def _known_latest_job(self, creation: Creation, tracked: TrackedRun | None) -> Run | None:
        """The creation's latest run when this session has it: tracked, its own (unified), or asked for here."""
        if creation.run is not None:
            return creation.run if tracked is None or tracked.run.status == creation.run.status else tracked.run
        latest_id = creation.latest_run_id
        if tracked is not None and latest_id in (None, tracked.id):
            return tracked.run
        job = self._latest_job
        return job if job is not None and job.id == latest_id else None

    def _ask_why(self, creation: Creation, latest: Run | None) -> None:
        """An ended creation that says nothing about why: ask for its latest job once (not tracked: it is over)."""
        job_id = creation.latest_run_id
        if (latest is not None or not job_id or job_id in self._lookup or outcome(creation) is None
                or any(error_parts(creation.raw.get("error")))):
            return
        if self.app.adapter is None:
            return
        self._lookup[job_id] = "asking the server…"
        self._fetch_latest_job(job_id)

    @work(exclusive=True, exit_on_error=False, group="creation-why")
    async def _fetch_latest_job(self, job_id: str) -> None:
        from kgp_tui.api.domain import Run

        adapter = self.app.adapter
        try:
            job = await adapter.poll(Run(surface=adapter.name, id=job_id, creation_id=self.creation_id))
        except Exception as error:  # noqa: BLE001 - told on screen in the client's own words, never raw
            from kgp_tui.api.errors import KGPError  # loaded already: the app is connected

            said = error.message if isinstance(error, KGPError) else None
            problem = f"job {job_id} could not be read" + (f" ({clean(said, 120)})" if said else "")
            self.post_message(LatestJobLoaded(job_id, problem=problem))
            return
        self.post_message(LatestJobLoaded(job_id, job))

    def on_latest_job_loaded(self, message: LatestJobLoaded) -> None:
        if message.job is not None:
            self._latest_job = message.job
        self._lookup[message.job_id] = message.problem
        self._refresh_view()

    # -- tables -------------------------------------------------------------------------------------------

    def _fill_artifacts(self, creation: Creation, ended: str | None) -> None:
        rows = [
            (clean(a.kind or "—", 20), clean(a.label or "—", 60), human_size(a.size_bytes), clean(a.mime_type or "—", 40))
            for a in creation.results
        ]
        what = "artifacts" if creation.surface == "v1" else "outputs"
        self._fill("#artifacts", rows, none_because(creation, ended, f"no {what}", f"no {what} yet"))

    def _fill_scenes(self, creation: Creation, ended: str | None) -> None:
        self._arrange(creation)  # the unified surface has no scenes: its outputs and conversation take their place
        rows = [
            (
                str(scene.index if scene.index is not None else number),
                clean(scene.id, 32),
                clean(scene.title or "—", 80),
                human_duration(scene.duration_seconds),
                (status_label(scene.status) if scene.status else "—")
                + (f" {MARK}" if scene.id in self.changed else ""),
            )
            for number, scene in enumerate(creation.scenes, start=1)
        ]
        self._fill("#scenes", rows, none_because(creation, ended, "no scenes", "no scenes yet"))

    def _fill(self, table_id: str, rows: Sequence[tuple[str, ...]], empty: str) -> None:
        """Refill a table (the creation changed), keeping the cursor on the same row number."""
        table = self.query_one(table_id, DataTable)
        cursor = table.cursor_row
        table.clear()
        for index, row in enumerate(rows):
            table.add_row(*(Text(cell) for cell in row), key=str(index))
        if not rows:
            cells = [Text("—"), Text(empty)] + [Text("") for _ in range(len(table.columns) - 2)]
            table.add_row(*cells, key="none")
        table.move_cursor(row=min(cursor, max(0, table.row_count - 1)))

    def _selected(self, table_id: str, items: tuple[Any, ...]) -> Any:
        table = self.query_one(table_id, DataTable)
        if not items or table.row_count == 0:
            return None
        row = table.cursor_row
        return items[row] if 0 <= row < len(items) else None

    def _show_narration(self) -> None:
        creation = self.creation
        scene = self._selected("#scenes", creation.scenes) if creation else None
        pane = self.query_one("#narration", Static)
        if scene is None:
            if creation is not None and not creation.scenes:
                ended = self._filled[1] if self._filled is not None else None
                pane.update(Text(none_because(creation, ended, "No scenes to narrate", "No scenes yet") + "."))
            else:
                pane.update(Text("Select a scene to read its narration."))
            return
        text = Text()
        text.append(clean(scene.title or f"Scene {scene.index}", 120) + "\n", style="bold")
        text.append(f"scene id {clean(scene.id, 60)}\n", style="dim")  # what an edit addresses
        text.append(sanitize(scene.narration or "(no narration)", max_len=5000))
        pane.update(text)

    @on(DataTable.RowHighlighted, "#scenes")
    def _scene_highlighted(self) -> None:
        if self.creation is not None:
            self._show_narration()

    def current_url(self) -> tuple[str, str | None]:
        """(what it is, URL): the selected artifact's URL when the artifacts table has focus, else the main URL."""
        creation = self.creation
        if creation is None:
            return "main URL", None
        focused = self.focused
        if focused is not None and focused.id == "artifacts":
            artifact: Result | None = self._selected("#artifacts", creation.results)
            if artifact is not None and artifact.url:
                what = "artifact" if creation.surface == "v1" else "output"
                return f"URL of {what} {clean(artifact.label or artifact.kind or '', 40)!r}", artifact.url
        return "main URL", main_url(creation)

    def _no_url(self, what: str, verb: str = "") -> None:
        """No URL to act on: "yet" only while the creation may still get one."""
        creation, ended = self.creation, self._filled[1] if self._filled is not None else None
        nothing = f"No {what}{verb}"
        said = none_because(creation, ended, nothing, f"{nothing} yet") if creation is not None else f"{nothing} yet"
        self.notify(said + ".", severity="warning", markup=False)

    def action_open_url(self) -> None:
        what, url = self.current_url()
        if not url:
            self._no_url(what)
            return
        if not url.lower().startswith(("https://", "http://")):
            self.notify(f"Not opening {clean(url, 80)!r}: only http(s) URLs are opened.", severity="warning", markup=False)
            return
        self.app.open_link(url, what)  # off the event loop; without a graphical browser it copies the URL

    def action_copy_url(self) -> None:
        what, url = self.current_url()
        if not url:
            self._no_url(what, " to copy")
            return
        self.app.copy_to_clipboard(url)
        self.notify(f"Copied the {what} to the clipboard: {clean(url, 200)}", markup=False)

    # -- editing ----------------------------------------------------------------------------------------

    def _note_changes(self, before: Creation | None, after: Creation) -> None:
        """Mark the scenes that differ between the creation shown so far and the one just loaded."""
        if before is None:
            return
        for scene_id, words in changed_scenes(before.scenes, after.scenes).items():
            known = self.changed.setdefault(scene_id, [])
            known.extend(word for word in words if word not in known)
            known.sort(key=word_order)
        if main_url(before) and main_url(after) != main_url(before):
            self.main_changed = True

    def on_unmount(self) -> None:
        super().on_unmount()
        tracked = self.app.store.run_for_creation(self.creation_id)
        shown = self._shown
        seen = shown is not None and shown.status not in ("queued", "processing") and (
            tracked is None or (tracked.run.is_terminal and shown.latest_run_id == tracked.id))
        if seen:  # the screen showed the creation after its last edit: the user saw what changed, and left
            self.app.edit_baselines.pop(self.creation_id, None)

    def _changes_text(self) -> str:
        creation = self.creation
        parts = []
        if creation is not None:
            for scene in creation.scenes:
                if scene.id in self.changed:
                    parts.append(f"{scene_name(scene)} ({', '.join(self.changed[scene.id])})")
        if self.main_changed:
            parts.append("main URL (a new version)")
        return clean("; ".join(parts), 400)

    def edit_blocked(self, action: str) -> str | None:
        creation = self.creation
        tracked = self.app.store.run_for_creation(self.creation_id)
        ended = outcome(creation, self._known_latest_job(creation, tracked)) if creation is not None else None
        if ended is not None:
            return f"{ENDED_WORDS.get(ended, ended)}: there is nothing to edit"
        busy = tracked is not None and not tracked.run.is_terminal
        return edit_refusal(self.creation, action, can_create=self.app.store.can_create, busy=busy)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # An edit the creation does not offer right now is left out of the footer; its key says why (on_key).
        if action == "edit" and parameters:
            if self._surface != "v1":
                return False  # v1 edits: a unified video changes by a message instead
            return self.edit_blocked(str(parameters[0])) is None
        return True

    def on_key(self, event: Any) -> None:
        """A key bound to an edit that is unavailable says why, rather than doing nothing silently."""
        bindings = self._bindings.copy()
        bindings.apply_keymap(getattr(self.app, "_keymap", None) or {})
        for binding in bindings.key_to_bindings.get(event.key, ()):
            if binding.action.startswith("edit(") and "'" in binding.action:
                action = binding.action.split("'")[1]
                reason = UNIFIED_EDIT if self._surface != "v1" else self.edit_blocked(action)
                if reason is not None:
                    event.stop()
                    event.prevent_default()
                    self._refuse(reason)
                return

    def _refuse(self, reason: str) -> None:
        said = reason if reason == UNIFIED_EDIT else f"Cannot edit: {reason}."
        self.notify(said, severity="warning", markup=False)

    def action_edit(self, action: str) -> None:
        """Open the edit dialog (it sends the request itself and closes once the server took the edit)."""
        from kgp_tui.screens.edit import SceneEditScreen

        reason = UNIFIED_EDIT if self._surface != "v1" else self.edit_blocked(action)
        if reason is not None:
            self._refuse(reason)
            return
        creation = self.creation
        scene: Scene | None = self._selected("#scenes", creation.scenes) if action in SCENE_ACTIONS else None
        self.app.push_screen(SceneEditScreen(action, creation, scene, self.app.store.offer))

    def action_reload(self) -> None:
        self.app.load_creation(self.creation_id)
        self.notify(f"Reloading creation #{self.creation_id}.", timeout=2)

    def action_back(self) -> None:
        self.dismiss()
