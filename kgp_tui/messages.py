"""Typed messages that workers post to the App; the App's handlers apply them to the store.

Workers never touch widgets or the store: they fetch, then post one of these.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Connected(Message):
    """The key was validated with /me and the catalog was fetched."""

    def __init__(self, client: Any, me: Any, catalog: Any, base_url: str, key_digest: str) -> None:
        super().__init__()
        self.client = client
        self.me = me
        self.catalog = catalog
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
    """POST /creations answered 202."""

    def __init__(self, type_name: str, payload: dict, response: Any) -> None:
        super().__init__()
        self.type_name = type_name
        self.payload = payload
        self.response = response


class CreateFailed(Message):
    """POST /creations failed; `found` is a creation that the ambiguous request may have made, if one was found."""

    def __init__(self, type_name: str, error: BaseException, found: Any = None, payload: dict | None = None) -> None:
        super().__init__()
        self.type_name = type_name
        self.error = error
        self.found = found
        self.payload = payload or {}


class JobUpdated(Message):
    """A poll returned the job's latest state (`type_name` and `title` label a job seen for the first time).

    `client` is the client that asked: a reply that arrives after the user connected elsewhere is dropped.
    """

    def __init__(self, job: Any, type_name: str = "", title: str = "", client: Any = None) -> None:
        super().__init__()
        self.job = job
        self.type_name = type_name
        self.title = title
        self.client = client


class JobPollFailed(Message):
    """A poll of one job failed (for example 404); the poller keeps or drops it as the error says."""

    def __init__(self, job_id: int, error: BaseException, client: Any = None) -> None:
        super().__init__()
        self.job_id = job_id
        self.error = error
        self.client = client


class PollHealth(Message):
    """The poller's connection state changed: `retry_at` set means 'reconnecting, next try at ...'."""

    def __init__(self, ok: bool, retry_at: float | None = None, reason: str = "") -> None:
        super().__init__()
        self.ok = ok
        self.retry_at = retry_at
        self.reason = reason


class CreationLoaded(Message):
    """GET /creations/{id} answered."""

    def __init__(self, creation: Any) -> None:
        super().__init__()
        self.creation = creation


class CreationLoadFailed(Message):
    def __init__(self, creation_id: int, error: BaseException) -> None:
        super().__init__()
        self.creation_id = creation_id
        self.error = error


class CreditsRefreshed(Message):
    """/me was read again (after a creation, credits change)."""

    def __init__(self, me: Any) -> None:
        super().__init__()
        self.me = me


class EditSubmitted(Message):
    """POST /creations/{id}/edit answered 202: its job is polled like a create job."""

    def __init__(self, creation_id: int, action: str, response: Any, label: str = "") -> None:
        super().__init__()
        self.creation_id = creation_id
        self.action = action
        self.response = response
        self.label = label  # what the edit does, for the jobs list: "narration scene 3"


class EditFailed(Message):
    def __init__(self, creation_id: int, action: str, error: BaseException) -> None:
        super().__init__()
        self.creation_id = creation_id
        self.action = action
        self.error = error


class StateRestored(Message):
    """The local state file was read for `profile` (on a worker thread): what to put back in the store."""

    def __init__(self, profile: str, jobs: list, creations: list, drafts: dict, recent: list, notice: str = "") -> None:
        super().__init__()
        self.profile = profile
        self.jobs = jobs
        self.creations = creations
        self.drafts = drafts
        self.recent = recent
        self.notice = notice
