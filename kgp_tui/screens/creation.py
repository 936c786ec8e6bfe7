"""CreationScreen: one creation's status, main URL, results (v1 artifacts or unified outputs) and v1 scenes, with
the selected scene's narration. A paused unified creation gets a place for its actions panel, a unified video one
for its conversation (built apart: kgp_tui/screens/actions.py, kgp_tui/widgets/conversation.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static

from kgp_tui.edits import SCENE_ACTIONS, changed_scenes, edit_refusal, scene_name, word_order
from kgp_tui.format import human_duration, human_size, progress_bar, sanitize, status_label
from kgp_tui.screens.base import KGPScreen

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation, Result, Scene
    from kgp_tui.store import TrackedRun


TITLE_MAX = 2000
MARK = "✎ changed"


def clean(value: Any, max_len: int = 80) -> str:
    return sanitize(value, single_line=True, max_len=max_len)


def describe_creation(creation: Creation, tracked: TrackedRun | None, changes: str = "") -> Text:
    text = Text()
    # Tables truncate; the detail shows the whole title, wrapped.
    title = sanitize(creation.title or "(untitled)", single_line=True, max_len=TITLE_MAX)
    text.append(f"#{creation.id} {title}\n", style="bold")
    text.append("Status  ", style="bold")
    text.append(status_label(creation.status))
    text.append("   Type  ", style="bold")
    text.append(clean(creation.type or "—", 40))
    settings = creation.raw.get(creation.type or "") if creation.surface == "unified" else creation.raw
    settings = settings if isinstance(settings, dict) else {}
    extras = [("Language", settings.get("language")), ("Ratio", settings.get("aspect_ratio"))]
    for name, value in extras:
        if value:
            text.append(f"   {name}  ", style="bold")
            text.append(clean(value, 20))
    text.append("\n")
    run = tracked.run if tracked is not None else creation.run
    if run is not None and not run.is_terminal:
        text.append("Job     " if run.surface == "v1" else "Run     ", style="bold")
        text.append(f"{status_label(run.status)} {progress_bar(run.progress_pct, 12)} ")
        text.append(clean(run.step or "", 80) + "\n")
    if run is not None and run.needs_user:
        pause = run.pause
        text.append("Paused  ", style="bold")
        text.append(clean((pause.message or pause.reason) if pause else "it waits for you", 300) + "\n")
        if run.available_actions:
            text.append("Can do  ", style="bold")
            text.append(clean(", ".join(run.available_actions), 200) + "\n")
    facts = unified_facts(creation)
    if facts:
        text.append(facts + "\n")
    text.append("Prompt  ", style="bold")
    text.append(sanitize(creation.prompt or "—", single_line=True, max_len=300) + "\n")
    text.append("Main URL ", style="bold")
    text.append(clean(creation.main_url, 400) if creation.main_url else "not ready yet")
    if changes:
        text.append("\n✎ Changed while you watched: ", style="bold")
        text.append(changes)
    return text


def unified_facts(creation: Creation) -> str:
    """Credits, review and result code of a unified creation, in one line ('' on v1)."""
    run = creation.run
    if run is None:
        return ""
    parts = []
    if run.estimated_credits is not None:
        parts.append(f"Credits estimated {run.estimated_credits}")
    if run.actual_credits is not None:
        parts.append(f"spent {run.actual_credits}")
    if run.review is not None and run.review.status:
        notes = f" ({run.review.notes})" if run.review.notes else ""
        parts.append(f"review {run.review.status}{notes}")
    if run.result_code:
        parts.append(f"result {run.result_code}")
    return clean(" · ".join(parts), 400)


class CreationScreen(KGPScreen):
    BINDINGS = [
        Binding("o", "open_url", "Open URL", id="creation.open_url"),
        Binding("y", "copy_url", "Copy URL", id="creation.copy_url"),
        Binding("e", "edit('update_scene_narration')", "Edit narration", id="creation.edit_narration"),
        Binding("g", "edit('regenerate_scene')", "Regenerate scene", id="creation.regenerate_scene"),
        Binding("i", "edit('iterate')", "Iterate", id="creation.iterate"),
        Binding("r", "reload", "Reload", id="creation.reload"),
        Binding("escape", "back", "Back", id="creation.back"),
    ]

    def __init__(self, creation_id: str) -> None:
        super().__init__()
        self.creation_id = creation_id
        self._shown: Creation | None = None
        # What changed while this screen was open (an edit finished): scene_id -> words, and the main URL.
        self.changed: dict[str, list[str]] = {}
        self.main_changed = False

    def compose_body(self) -> ComposeResult:
        yield Static(Text(f"Loading creation #{self.creation_id}…"), id="creation-info", markup=False)
        with Horizontal(id="creation-body"):
            with Vertical(id="creation-tables"):
                yield Label("Artifacts" if self._surface == "v1" else "Outputs", classes="pane-title")
                yield DataTable(id="artifacts", cursor_type="row")
                yield Label("Scenes", classes="pane-title", id="scenes-title")
                yield DataTable(id="scenes", cursor_type="row")
                # the paused-creation actions panel (kgp_tui/screens/actions.py) mounts here while run.needs_user
                yield Vertical(id="creation-pause")
            with VerticalScroll(id="narration-pane"):
                yield Label("Narration", classes="pane-title")
                yield Static("", id="narration", markup=False)
                # the conversation pane of a unified video (kgp_tui/widgets/conversation.py) mounts here
                yield Vertical(id="creation-conversation")

    def on_mount(self) -> None:
        super().on_mount()
        artifacts = self.query_one("#artifacts", DataTable)
        for key, label in (("kind", "Kind"), ("label", "Label"), ("size", "Size"), ("mime", "MIME")):
            artifacts.add_column(label, key=key)
        scenes = self.query_one("#scenes", DataTable)
        for key, label in (("index", "#"), ("title", "Title"), ("duration", "Length"), ("status", "Status")):
            scenes.add_column(label, key=key)
        self._refresh_view()
        scenes.focus()

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
        self.query_one("#creation-info", Static).update(describe_creation(creation, tracked, self._changes_text()))
        self.refresh_bindings()  # what may be edited follows the creation's status and editable_actions
        if creation is self._shown:
            return
        self._shown = creation
        self._fill_artifacts(creation)
        self._fill_scenes(creation)
        self._show_narration()

    def _fill_artifacts(self, creation: Creation) -> None:
        rows = [
            (clean(a.kind or "—", 20), clean(a.label or "—", 60), human_size(a.size_bytes), clean(a.mime_type or "—", 40))
            for a in creation.results
        ]
        empty = "no artifacts yet" if creation.surface == "v1" else "no outputs yet (they come with a usable delivery)"
        self._fill("#artifacts", rows, empty)

    def _fill_scenes(self, creation: Creation) -> None:
        has_scenes = creation.surface == "v1"
        self.query_one("#scenes").display = has_scenes
        self.query_one("#scenes-title").display = has_scenes
        rows = [
            (
                str(scene.index if scene.index is not None else number),
                clean(scene.title or "—", 80),
                human_duration(scene.duration_seconds),
                (status_label(scene.status) if scene.status else "—")
                + (f" {MARK}" if scene.id in self.changed else ""),
            )
            for number, scene in enumerate(creation.scenes, start=1)
        ]
        self._fill("#scenes", rows, "no scenes yet")

    def _fill(self, table_id: str, rows: list[tuple[str, ...]], empty: str) -> None:
        """Refill a table (the creation changed), keeping the cursor on the same row number."""
        table = self.query_one(table_id, DataTable)
        cursor = table.cursor_row
        table.clear()
        for index, row in enumerate(rows):
            table.add_row(*(Text(cell) for cell in row), key=str(index))
        if not rows:
            table.add_row(Text("—"), Text(empty), Text(""), Text(""), key="none")
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
            pane.update(Text("Select a scene to read its narration."))
            return
        text = Text()
        text.append(clean(scene.title or f"Scene {scene.index}", 120) + "\n", style="bold")
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
                return f"URL of artifact {clean(artifact.label or artifact.kind or '', 40)!r}", artifact.url
        return "main URL", creation.main_url

    def action_open_url(self) -> None:
        what, url = self.current_url()
        if not url:
            self.notify(f"No {what} yet.", severity="warning", markup=False)
            return
        if not url.lower().startswith(("https://", "http://")):
            self.notify(f"Not opening {clean(url, 80)!r}: only http(s) URLs are opened.", severity="warning", markup=False)
            return
        self.app.open_url(url)  # Textual's driver hands it to the webbrowser module
        self.notify(f"Opening the {what}: {clean(url, 200)}", markup=False)

    def action_copy_url(self) -> None:
        what, url = self.current_url()
        if not url:
            self.notify(f"No {what} to copy yet.", severity="warning", markup=False)
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
        if before.main_url and after.main_url != before.main_url:
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
        tracked = self.app.store.run_for_creation(self.creation_id)
        busy = tracked is not None and not tracked.run.is_terminal
        return edit_refusal(self.creation, action, can_create=self.app.store.can_create, busy=busy)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # An edit the creation does not offer right now is left out of the footer; its key says why (on_key).
        if action == "edit" and parameters:
            return self.edit_blocked(str(parameters[0])) is None
        return True

    def on_key(self, event: Any) -> None:
        """A key bound to an edit that is unavailable says why, rather than doing nothing silently."""
        bindings = self._bindings.copy()
        bindings.apply_keymap(getattr(self.app, "_keymap", None) or {})
        for binding in bindings.key_to_bindings.get(event.key, ()):
            if binding.action.startswith("edit(") and "'" in binding.action:
                action = binding.action.split("'")[1]
                reason = self.edit_blocked(action)
                if reason is not None:
                    event.stop()
                    event.prevent_default()
                    self._refuse(reason)
                return

    def _refuse(self, reason: str) -> None:
        self.notify(f"Cannot edit: {reason}.", severity="warning", markup=False)

    def action_edit(self, action: str) -> None:
        """Open the edit dialog (it sends the request itself and closes once the server took the edit)."""
        from kgp_tui.screens.edit import SceneEditScreen

        reason = self.edit_blocked(action)
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
