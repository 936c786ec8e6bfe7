"""The simulator's memory: keys, creations and jobs, and how jobs move on with the clock.

Nothing runs in the background. A job is a start time, a list of named steps and a fate (succeed, or fail or be
cancelled at a step); its state at any moment is computed from the clock when someone reads it. Before every
read the store finalizes the jobs whose time is up, in order, which is when a creation gets its result or an edit
is applied. All access goes through one lock.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import catalog as cat
from . import content
from .validation import validate_edit

DEFAULT_API_KEY = "kgp_demo_7c2e5b1d9a4f3e08"
FIRST_CREATION_ID = 101
FIRST_JOB_ID = 5001


def key_prefix(key: str) -> str:
    """What may be shown of a key: up to the second underscore plus 4 characters, else the first 8."""
    parts = key.split("_", 2)
    prefix = f"{parts[0]}_{parts[1]}_{parts[2][:4]}" if len(parts) == 3 and parts[0] and parts[1] else key[:8]
    return prefix if len(prefix) < len(key) else key[: len(key) // 2]


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@dataclass
class Account:
    key: str = field(repr=False)
    user_id: int
    display_name: str
    email: str
    can_create: bool
    balance: int
    plan: str

    def me(self) -> dict:
        return {"user_id": self.user_id, "display_name": self.display_name, "email": self.email,
                "key_prefix": key_prefix(self.key), "key_scope": "user", "can_create": self.can_create,
                "credits": {"balance": self.balance, "plan": self.plan}}


def make_accounts(primary: str) -> dict[str, Account]:
    """The primary key plus a read-only key and a key without credits, both derived from it."""
    accounts = [
        Account(primary, 42, "Ada", "ada@example.com", True, 1200, "pro"),
        Account(primary + "_ro", 43, "Reed (read-only key)", "reed@example.com", False, 1200, "pro"),
        Account(primary + "_nocredit", 44, "Grace", "grace@example.com", True, 0, "free"),
    ]
    return {account.key: account for account in accounts}


@dataclass
class Fate:
    """How a job ends: `succeeded`, or `failed`/`cancelled` during step `at_step` (1-based, "Queued" is 1)."""
    outcome: str = "succeeded"
    at_step: int = 0
    code: str = ""
    message: str = ""
    creation_status: str = "failed"  # what a failed create job leaves the creation as
    odd_status: bool = False  # report the undocumented status "waiting_for_gpu" during the first running step


@dataclass
class Job:
    job_id: int
    creation_id: int
    owner: str = field(repr=False)  # the key that made it
    kind: str
    action: str | None
    created_at: float
    step_seconds: float
    steps: list[str]
    fate: Fate
    edit: dict | None = None
    version: int = 0

    @property
    def stop_step(self) -> int:
        if self.fate.outcome == "succeeded":
            return len(self.steps)
        return max(1, min(self.fate.at_step, len(self.steps)))

    @property
    def end_time(self) -> float:
        return self.created_at + self.stop_step * self.step_seconds

    def error(self) -> dict | None:
        if self.fate.outcome == "succeeded":
            return None
        step = f"step {self.stop_step} ({self.steps[self.stop_step - 1]})"
        if self.fate.outcome == "cancelled":
            return {"code": self.fate.code or "cancelled",
                    "message": self.fate.message or f"The job was cancelled at {step}."}
        return {"code": self.fate.code or "render_failed",
                "message": self.fate.message or f"Rendering failed at {step}: the renderer crashed (simulated). "
                                                "Nothing was charged."}

    def _index(self, now: float) -> int:
        if self.step_seconds <= 0:
            return len(self.steps) - 1
        return min(int(max(0.0, now - self.created_at) // self.step_seconds), len(self.steps) - 1)

    def updated_at(self, now: float) -> float:
        """When the job last changed: the start of its current step, or its end."""
        if now >= self.end_time:
            return self.end_time
        return self.created_at + self._index(now) * self.step_seconds

    def view(self, now: float) -> dict:
        total = len(self.steps) * self.step_seconds
        end = self.end_time
        if now >= end:
            done = self.fate.outcome == "succeeded"
            pct = 100 if done else min(99, int(100 * (end - self.created_at) / total) if total else 0)
            status, updated, finished, error = self.fate.outcome, end, end, self.error()
            step = "Done" if done else self.steps[self.stop_step - 1]
        else:
            elapsed = max(0.0, now - self.created_at)
            index = self._index(now)
            status = "queued" if index == 0 else "running"
            if index == 1 and self.fate.odd_status:
                status = "waiting_for_gpu"
            pct = 0 if index == 0 else max(1, min(99, int(100 * elapsed / total)))
            step, updated, finished, error = self.steps[index], self.updated_at(now), None, None
        return {"job_id": self.job_id, "creation_id": self.creation_id, "kind": self.kind, "action": self.action,
                "status": status, "progress_pct": pct, "current_step": step,
                "created_at": iso(self.created_at), "updated_at": iso(updated),
                "finished_at": iso(finished) if finished is not None else None, "error": error}


@dataclass
class Creation:
    creation_id: int
    owner: str = field(repr=False)  # the key that made it
    params: dict
    title: str
    created_at: float
    updated_at: float
    editable_actions: list[str]
    latest_job_id: int
    active_job_id: int | None
    status: str = "queued"  # the status once no job is active
    result: dict | None = None
    error: dict | None = None
    iterations: int = 1
    scene_versions: dict[str, int] = field(default_factory=dict)


class NotFound(Exception):
    pass


class NotReady(Exception):
    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


class Store:
    def __init__(self, primary_key: str, step_seconds: float, clock: Callable[[], float]):
        self.clock = clock
        self.step_seconds = step_seconds
        self.lock = threading.RLock()
        self.accounts = make_accounts(primary_key)
        self.creations: dict[int, Creation] = {}
        self.jobs: dict[int, Job] = {}
        self._active: set[int] = set()
        self._due: list[tuple[float, int]] = []  # heap of (end time, job id) of the active jobs
        self._next_creation = FIRST_CREATION_ID
        self._next_job = FIRST_JOB_ID

    # -- jobs and their progression -------------------------------------------------------------------------

    def _new_job(self, creation_id: int, owner: str, kind: str, steps: list[str], fate: Fate, *,
                 created_at: float, step_seconds: float, edit: dict | None = None, version: int = 0) -> Job:
        job = Job(self._next_job, creation_id, owner, kind, edit["action"] if edit else None, created_at,
                  step_seconds, steps, fate, edit, version)
        self._next_job += 1
        self.jobs[job.job_id] = job
        self._active.add(job.job_id)
        heapq.heappush(self._due, (job.end_time, job.job_id))
        return job

    def _advance(self, now: float) -> None:
        """Finalize every job whose time is up, earliest first."""
        while self._due and self._due[0][0] <= now:
            _, job_id = heapq.heappop(self._due)
            self._active.discard(job_id)
            self._finalize(self.jobs[job_id])

    def _finalize(self, job: Job) -> None:
        creation = self.creations[job.creation_id]
        creation.active_job_id = None
        creation.updated_at = job.end_time
        succeeded = job.fate.outcome == "succeeded"
        if job.kind == "create":
            if succeeded:
                creation.status = "ready"
                creation.result = content.build_result(creation.creation_id, creation.params, creation.title)
            else:
                creation.status = job.fate.creation_status
                creation.error = job.error()
            return
        creation.status = "ready"
        edit = job.edit or {}
        for scene in creation.result["scenes"]:
            scene["status"] = "ready"
        if succeeded:
            content.apply_edit(creation.creation_id, creation.result, edit, job.version)
            if edit["action"] == "iterate":
                creation.iterations = job.version
            else:
                creation.scene_versions[edit["scene_id"]] = job.version

    # -- views ----------------------------------------------------------------------------------------------

    def _status(self, creation: Creation, now: float) -> str:
        if creation.active_job_id is None:
            return creation.status
        job = self.jobs[creation.active_job_id]
        return "queued" if job.kind == "create" and job.view(now)["status"] == "queued" else "processing"

    def _summary(self, creation: Creation, now: float) -> dict:
        result = creation.result or {}
        updated = creation.updated_at
        if creation.active_job_id is not None:
            updated = max(updated, self.jobs[creation.active_job_id].updated_at(now))
        return {"creation_id": creation.creation_id, "type": creation.params["type"],
                "status": self._status(creation, now), "title": creation.title,
                "created_at": iso(creation.created_at), "updated_at": iso(updated),
                "latest_job_id": creation.latest_job_id, "main_url": result.get("main_url"),
                "thumbnail_url": result.get("thumbnail_url")}

    def _detail(self, creation: Creation, now: float) -> dict:
        view = self._summary(creation, now)
        result = creation.result or {}
        params = {key: value for key, value in creation.params.items() if key != "type"}
        view.update({key: params.get(key) for key in
                     ("prompt", "instructions", "language", "aspect_ratio", "output_quality", "scene_count",
                      "duration_seconds", "voice_id", "style_id", "image_generation", "video_generation")})
        view.update({"editable_actions": list(creation.editable_actions),
                     "artifacts": [dict(a) for a in result.get("artifacts", [])],
                     "scenes": [dict(s) for s in result.get("scenes", [])], "error": creation.error})
        return view

    def _owned(self, owner: str, creation_id: int) -> Creation:
        creation = self.creations.get(creation_id)
        if creation is None or creation.owner != owner:
            raise NotFound(creation_id)
        return creation

    # -- the API's operations -------------------------------------------------------------------------------

    def account(self, key: str) -> Account | None:
        return self.accounts.get(key)

    def create(self, owner: str, params: dict, fate: Fate, *, created_at: float | None = None,
               step_seconds: float | None = None) -> dict:
        """Store a creation and its create job; return the 202 reply."""
        with self.lock:
            now = self.clock()
            start = now if created_at is None else created_at
            kind = params["type"]
            actions = cat.editable_actions(kind)
            if kind == "ai_video" and not (cat.video_model(params["video_generation"]["model"]) or {}).get(
                    "supports_iterate"):
                actions = [action for action in actions if action != "iterate"]
            creation = Creation(self._next_creation, owner, params, content.derive_title(params["prompt"]), start,
                                start, actions, self._next_job, self._next_job)
            self._next_creation += 1
            self.creations[creation.creation_id] = creation
            job = self._new_job(creation.creation_id, owner, "create", content.create_steps(params), fate,
                                created_at=start,
                                step_seconds=self.step_seconds if step_seconds is None else step_seconds)
            self._advance(now)
            return {"creation_id": creation.creation_id, "status": self._status(creation, now), "type": kind,
                    "job": job.view(now)}

    def start_edit(self, owner: str, creation_id: int, body: dict, fate: Callable[[], Fate]) -> dict:
        """Validate and start an edit job; raises NotFound, NotReady or ValidationFailed."""
        with self.lock:
            now = self.clock()
            self._advance(now)
            creation = self._owned(owner, creation_id)
            if creation.active_job_id is not None or creation.status != "ready":
                raise NotReady(self._status(creation, now))
            scenes = creation.result["scenes"]
            edit = validate_edit(body, editable_actions=creation.editable_actions,
                                 scene_ids=[scene["scene_id"] for scene in scenes],
                                 language=creation.params.get("language"))
            scene = next((s for s in scenes if s["scene_id"] == edit.get("scene_id")), None)
            if edit["action"] == "iterate":
                version = creation.iterations + 1
            else:
                version = creation.scene_versions.get(edit["scene_id"], 1) + 1
                scene["status"] = "processing"
            steps = content.edit_steps(creation.params["type"], edit, scene["index"] if scene else None, version)
            job = self._new_job(creation_id, owner, "edit", steps, fate(), created_at=now,
                                step_seconds=self.step_seconds, edit=edit, version=version)
            creation.latest_job_id = creation.active_job_id = job.job_id
            creation.updated_at = now
            self._advance(now)
            return {"creation_id": creation_id, "job": job.view(now)}

    def creation(self, owner: str, creation_id: int) -> dict:
        with self.lock:
            now = self.clock()
            self._advance(now)
            return self._detail(self._owned(owner, creation_id), now)

    def job(self, owner: str, job_id: int) -> dict:
        with self.lock:
            now = self.clock()
            self._advance(now)
            job = self.jobs.get(job_id)
            if job is None or job.owner != owner:
                raise NotFound(job_id)
            return job.view(now)

    def list(self, owner: str, *, page: int, page_size: int, type_name: str | None = None,
             status: str | None = None, query: str | None = None) -> dict:
        with self.lock:
            now = self.clock()
            self._advance(now)
            type_name = cat.ALIASES.get(type_name, type_name) if type_name else None
            needle = query.casefold() if query else None
            rows = []
            for creation in self.creations.values():
                if creation.owner != owner or (type_name and creation.params["type"] != type_name):
                    continue
                if needle and needle not in creation.title.casefold() and needle not in creation.params[
                        "prompt"].casefold():
                    continue
                rows.append((creation.created_at, creation.creation_id, creation))
            rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
            start = (page - 1) * page_size
            if status:  # the status is computed (a running job decides it): filter on it, summarize only the page
                rows = [row for row in rows if self._status(row[2], now) == status]
            # Only the page is summarized: a list of ten thousand creations stays cheap to page through.
            return {"items": [self._summary(row[2], now) for row in rows[start:start + page_size]], "page": page,
                    "page_size": page_size, "total": len(rows)}

    def stats(self) -> dict:
        with self.lock:
            self._advance(self.clock())
            return {"creations": len(self.creations), "jobs": len(self.jobs), "active_jobs": len(self._active)}
