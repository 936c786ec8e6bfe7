"""Typed messages that workers post to the App; the App's handlers apply them to the store.

Workers never touch widgets or the store: they fetch, then post one of these. The domain types are imported for
the type checker only: nothing here loads the client at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from kgp_tui.api.domain import Account, Creation, Offer, Run
    from kgp_tui.api.surface import SurfaceAdapter
    from kgp_tui.store import TrackedRun


class Connected(Message):
    """The key was checked and what it can make was read (v1: /me and /catalog; unified: /capabilities)."""

    def __init__(self, adapter: SurfaceAdapter, account: Account, offer: Offer, base_url: str, key_digest: str
                 ) -> None:
        super().__init__()
        self.adapter = adapter
        self.account = account
        self.offer = offer
        self.base_url = base_url
        self.key_digest = key_digest  # kgp_tui.persist.key_digest of the key: whose local state this is


class ConnectFailed(Message):
    """Connecting failed; `error` is a KGPError (or any exception, shown as text)."""

    def __init__(self, error: BaseException, base_url: str, key_prefix: str) -> None:
        super().__init__()
        self.error = error
        self.base_url = base_url
        self.key_prefix = key_prefix


class DemoReady(Message):
    """The in-process demo simulator is listening."""

    def __init__(self, simulator: Any) -> None:
        super().__init__()
        self.simulator = simulator


class CreateSubmitted(Message):
    """POST /creations answered: `run` is what is watched from now on."""

    def __init__(self, type_name: str, values: dict[str, Any], run: Run, body: dict[str, Any] | None = None
                 ) -> None:
        super().__init__()
        self.type_name = type_name
        self.values = values
        self.run = run
        self.body = body or {}  # exactly what was sent (the form asks before sending the same again)


class CreateFailed(Message):
    """POST /creations failed; `found` is a creation that the ambiguous request may have made, if one was found."""

    def __init__(self, type_name: str, error: BaseException, found: Creation | None = None,
                 body: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.type_name = type_name
        self.error = error
        self.found = found
        self.body = body or {}  # what was sent: the form of an adopted creation asks before sending it again


class RunUpdated(Message):
    """A poll returned the run's latest state (`type_name` and `title` label a run seen for the first time).

    `adapter` is the adapter that asked: a reply that arrives after the user connected elsewhere is dropped.
    """

    def __init__(self, run: Run, type_name: str = "", title: str = "", adapter: SurfaceAdapter | None = None
                 ) -> None:
        super().__init__()
        self.run = run
        self.type_name = type_name
        self.title = title
        self.adapter = adapter


class RunPollFailed(Message):
    """A poll of one run failed (for example 404); the poller keeps or drops it as the error says."""

    def __init__(self, run_id: str, error: BaseException, adapter: SurfaceAdapter | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.error = error
        self.adapter = adapter


class PollHealth(Message):
    """The poller's connection state changed: `retry_at` set means 'reconnecting, next try at ...'."""

    def __init__(self, ok: bool, retry_at: float | None = None, reason: str = "") -> None:
        super().__init__()
        self.ok = ok
        self.retry_at = retry_at
        self.reason = reason


class CreationLoaded(Message):
    """GET /creations/{id} answered (on unified, with its outputs once it has a usable delivery)."""

    def __init__(self, creation: Creation) -> None:
        super().__init__()
        self.creation = creation


class CreationLoadFailed(Message):
    def __init__(self, creation_id: str, error: BaseException) -> None:
        super().__init__()
        self.creation_id = creation_id
        self.error = error


class AccountRefreshed(Message):
    """The account was read again (after a creation, credits change)."""

    def __init__(self, account: Account) -> None:
        super().__init__()
        self.account = account


class EditSubmitted(Message):
    """POST /creations/{id}/edit answered 202: its job is polled like a create run."""

    def __init__(self, creation_id: str, action: str, run: Run, label: str = "") -> None:
        super().__init__()
        self.creation_id = creation_id
        self.action = action
        self.run = run
        self.label = label  # what the edit does, for the jobs list: "narration scene 3"


class EditFailed(Message):
    def __init__(self, creation_id: str, action: str, error: BaseException) -> None:
        super().__init__()
        self.creation_id = creation_id
        self.action = action
        self.error = error


class StateRestored(Message):
    """The local state file was read for `profile` (on a worker thread): what to put back in the store."""

    def __init__(self, profile: str, runs: list[TrackedRun], creations: list[Creation],
                 drafts: dict[str, dict[str, Any]], recent: list[tuple[str, float]], notice: str = "") -> None:
        super().__init__()
        self.profile = profile
        self.runs = runs
        self.creations = creations
        self.drafts = drafts
        self.recent = recent
        self.notice = notice
