"""The creation screen's info block as plain functions: title, status, why it ended, main URL, changes, prompt.

No widget state: the screen passes what it knows (the tracked job, the latest job it asked for, its width).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from kgp_tui.format import ELLIPSIS, progress_bar, sanitize, status_label

if TYPE_CHECKING:
    from kgp_tui.api.domain import Creation, Result, Run
    from kgp_tui.store import TrackedRun

TITLE_MAX = 2000
TITLE_LINES = 3  # a long title stops here (with an ellipsis): status, type and URL stay on screen
LINE_CAPS = {"prompt": 2, "url": 2, "why": 2, "changes": 2}
# Creation or job outcomes that will never bring a main URL, artifacts or scenes.
NEVER_READY = ("failed", "cancelled", "invalid")


def clean(value: Any, max_len: int = 80) -> str:
    return sanitize(value, single_line=True, max_len=max_len)


def clamp_lines(text: Text, width: int | None, lines: int, console: Any = None) -> Text:
    """`text` wrapped at `width` cells, cut to `lines` lines, the last ending in an ellipsis when anything was cut."""
    if not width or width < 2:
        return text
    from rich.console import Console

    wrapped = text.wrap(console or Console(width=width), width)
    if len(wrapped) <= lines:
        return text
    kept = list(wrapped)[:lines]
    last = kept[-1].copy()
    last.rstrip()
    last.truncate(width - 1)
    last.append(ELLIPSIS)
    kept[-1] = last
    return Text("\n").join(kept)


def error_parts(error: Any) -> tuple[str, str]:
    """(code, message) of an error sent as {"code", "message"}, as a model with those fields, or as a bare string."""
    if not error:
        return "", ""
    if isinstance(error, str):
        return "", sanitize(error, single_line=True, max_len=400)
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
    else:
        code, message = getattr(error, "code", None), getattr(error, "message", None)
    return clean(code or "", 60), sanitize(message or "", single_line=True, max_len=400)


def primary_result(creation: Creation) -> Result | None:
    """The result a unified creation is about (it has no main URL): the output of its own kind (a video's video),
    else the first one with a URL. None on v1, whose main URL stands apart from its artifacts."""
    if creation.surface == "v1":
        return None
    with_url = [result for result in creation.results if result.url]
    return next((result for result in with_url if result.kind == creation.type), with_url[0] if with_url else None)


def main_url(creation: Creation) -> str | None:
    """The URL `o` and `y` act on by default: the server's main URL, else the primary output's."""
    if creation.main_url:
        return creation.main_url
    primary = primary_result(creation)
    return primary.url if primary is not None else None


def outcome(creation: Creation, latest_job: Run | None = None) -> str | None:
    """How a creation ended for good ("failed", "cancelled", "invalid"), or None while it may still be made."""
    if creation.status not in NEVER_READY:
        return None
    code, _ = error_parts(creation.raw.get("error"))
    if code == "cancelled" or getattr(latest_job, "status", None) == "cancelled":
        return "cancelled"
    return str(creation.status)


def why(creation: Creation | None, latest_job: Run | None, lookup: str = "") -> str:
    """Why a creation ended: its own error when the server sends one, else its latest run's, else `lookup`."""
    own = creation.raw.get("error") if creation is not None else None
    for error in (own, latest_job.error if latest_job is not None else None):
        code, message = error_parts(error)
        if code or message:
            return ": ".join(part for part in (code, message) if part)
    return lookup or "the server gave no reason"


ENDED_WORDS = {"failed": "the creation failed", "cancelled": "it was cancelled", "invalid": "the creation is invalid"}


def none_because(creation: Creation, ended: str | None, nothing: str, pending: str) -> str:
    """What an empty part says: `pending` ("… yet") only while the creation may still get it."""
    if ended is not None:
        return f"{nothing}: {ENDED_WORDS.get(ended, ended)}"
    return nothing if creation.status == "ready" else pending


def describe_creation(creation: Creation, tracked: TrackedRun | None, changes: str = "", *,
                      latest_job: Run | None = None, lookup: str = "", width: int | None = None, console: Any = None
                      ) -> Text:
    """The info block. `latest_job`: the creation's latest run when known; `lookup`: what asking for it said;
    `width`: long parts are capped to a few lines at that width. A paused unified creation says why it waits."""
    job = tracked.run if tracked is not None else creation.run
    if latest_job is None and job is not None and creation.latest_run_id in (None, job.id):
        latest_job = job
    ended = outcome(creation, latest_job)
    text = Text()
    title = sanitize(creation.title or "(untitled)", single_line=True, max_len=TITLE_MAX)
    text.append(clamp_lines(Text(f"#{creation.id} {title}", style="bold"), width, TITLE_LINES, console))
    text.append("\nStatus  ", style="bold")
    text.append(status_label(creation.status))
    if ended is not None and ended != creation.status:
        text.append(f" · {ended}")
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
    if job is not None and job.needs_user:
        pause = job.pause
        text.append("Paused  ", style="bold")
        text.append(clean((pause.message or pause.reason) if pause else "it waits for you", 300))
        if job.available_actions:
            text.append(" · can: " + clean(", ".join(job.available_actions), 200))
        text.append("\n")
    elif job is not None and not job.is_terminal:
        text.append("Job     " if job.surface == "v1" else "Run     ", style="bold")
        text.append(f"{status_label(job.status)} {progress_bar(job.progress_pct, 12)} ")
        text.append(clean(job.step or "", 80) + "\n")
    elif ended is not None:
        text.append("Why     ", style="bold")
        text.append(clamp_lines(Text(why(creation, latest_job, lookup)), width, LINE_CAPS["why"], console))
        text.append("\n")
    elif latest_job is not None and latest_job.kind == "edit" and latest_job.status in ("failed", "cancelled"):
        text.append("Last edit ", style="bold")
        edit = Text(f"{status_label(latest_job.status)}: {why(None, latest_job)}")
        text.append(clamp_lines(edit, width, LINE_CAPS["why"], console))
        text.append("\n")
    text.append("Main URL ", style="bold")
    url, primary = main_url(creation), primary_result(creation)
    if url:
        shown = Text(clean(url, 400))
        if not creation.main_url and primary is not None:  # unified: say which output it is
            shown.append(f"  ({clean(primary.label or primary.kind or 'output', 60)})", style="dim")
        text.append(clamp_lines(shown, width, LINE_CAPS["url"], console))
    else:
        text.append(none_because(creation, ended, "none", "not ready yet"))
    if changes:
        text.append("\n")
        text.append(clamp_lines(Text.assemble(("✎ Changed while you watched: ", "bold"), changes), width,
                                LINE_CAPS["changes"], console))
    text.append("\nPrompt  ", style="bold")  # last: the block's max height cuts here first
    prompt = Text(sanitize(creation.prompt or "—", single_line=True, max_len=300))
    text.append(clamp_lines(prompt, width, LINE_CAPS["prompt"], console))
    return text
