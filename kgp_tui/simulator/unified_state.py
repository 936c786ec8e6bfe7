"""The unified surface's memory: creations, their runs, uploaded files, and replies kept for idempotency keys.

Time works as on v1 (state.py): nothing runs in the background. A run is a v1 `Job` (named steps, a start time, a
fate) over a creation's plan; each step also says which status it reports (planning, generating, reviewing). When
a run's time is up (checked before every read, earliest first) its creation becomes ready (a new delivery),
failed or paused. An action starts a recovery run from where the creation paused; an accepted message starts a
change run. All access goes through one lock.
"""

from __future__ import annotations

import copy
import heapq
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from . import content
from . import unified_catalog as ucat
from .state import Fate, Job, NotFound, NotReady, iso, key_prefix, make_accounts

PAUSES = {  # reason -> (the action that recovers it, whether the step it stopped in runs again)
    "insufficient_credits": ("resume_after_recharge", True),
    "over_budget": ("approve_overage", False),
    "transient_failure": ("retry", True),
}
FIRST_NUMBER = 8 * 36 ** 4 + 101  # ids read like "cr_8002t": strings, not numbers in disguise


def base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text or "0"


class Conflict(Exception):
    """409: the request is well formed but not possible now; `code` and the message say why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Run:
    job: Job  # the timing: steps from the plan's `offset` on, start, step length, fate
    phases: list[str]  # the status each of job.steps reports
    offset: int  # where in the plan this run starts
    plan_length: int

    def progress(self, now: float) -> int:
        done = self.job.stop_step if now >= self.job.end_time else (now - self.job.created_at) / (
            self.job.step_seconds or 1)
        return int(100 * (self.offset + done) / self.plan_length)


@dataclass
class UCreation:
    creation_id: str
    owner: str = field(repr=False)
    params: dict  # type, prompt, instructions, input_file_ids, max_credits, product
    title: str
    created_at: float
    updated_at: float
    estimated_credits: int
    plan: list[tuple[str, str]]
    run: Run | None = None
    status: str = "planning"  # once no run is active: ready, failed or paused
    progress: int = 0
    step: str | None = None
    actual_credits: int | None = None
    review: dict | None = None
    result_code: str | None = None
    pause: dict | None = None
    resume_at: int = 0  # the plan step a recovery run starts from
    version: int = 0  # deliveries made; 0: none usable yet
    messages: list[dict] = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.params["type"]


class UnifiedStore:
    def __init__(self, primary_key: str, step_seconds: float, clock: Callable[[], float],
                 max_file_bytes: int = ucat.MAX_FILE_BYTES):
        self.clock = clock
        self.step_seconds = step_seconds
        self.max_file_bytes = max_file_bytes
        self.lock = threading.RLock()
        self.accounts = make_accounts(primary_key)
        self.creations: dict[str, UCreation] = {}
        self.files: dict[str, dict] = {}
        self.replies: dict[tuple[str, str], tuple[str, str, dict]] = {}  # (owner, key) -> (creation, intent, reply)
        self._due: list[tuple[float, int, str]] = []
        self._runs = 0
        self._number = FIRST_NUMBER

    def account(self, key: str):
        return self.accounts.get(key)

    def account_view(self, key: str) -> dict:
        account = self.accounts[key]
        return {"display_name": account.display_name, "key_prefix": key_prefix(key), "can_create": account.can_create,
                "credits": {"balance": account.balance, "plan": account.plan},
                "max_concurrent_creations": ucat.MAX_CONCURRENT}

    def _new_id(self, prefix: str) -> str:
        self._number += 1
        return f"{prefix}_{base36(self._number - 1)}"

    # -- runs -----------------------------------------------------------------------------------------------

    def _start_run(self, creation: UCreation, offset: int, fate: Fate, start: float, step_seconds: float) -> None:
        steps = creation.plan[offset:]
        self._runs += 1
        job = Job(self._runs, creation.creation_id, creation.owner, "run", None, start,  # type: ignore[arg-type]
                  step_seconds, [label for label, _ in steps], fate)
        creation.run = Run(job, [phase for _, phase in steps], offset, len(creation.plan))
        creation.pause, creation.result_code, creation.review = None, None, None
        creation.updated_at = start
        heapq.heappush(self._due, (job.end_time, self._runs, creation.creation_id))

    def _advance(self, now: float) -> None:
        while self._due and self._due[0][0] <= now:
            _, number, creation_id = heapq.heappop(self._due)
            creation = self.creations[creation_id]
            if creation.run is not None and creation.run.job.job_id == number:
                self._finish(creation, creation.run)

    def _finish(self, creation: UCreation, run: Run) -> None:
        job, fate = run.job, run.job.fate
        creation.run, creation.updated_at = None, job.end_time
        creation.step = job.steps[job.stop_step - 1] if fate.outcome != "succeeded" else "Delivered"
        if fate.outcome == "succeeded":
            creation.status, creation.progress, creation.version = "ready", 100, creation.version + 1
            charged = creation.estimated_credits - (creation.actual_credits or 0)  # a re-run pays only what it adds
            account = self.accounts.get(creation.owner)
            if account is not None and charged > 0:
                account.balance = max(0, account.balance - charged)
            creation.actual_credits, creation.result_code = creation.estimated_credits, "ok"
            creation.review = {"status": "passed", "notes": "Automated QA passed: pacing, audio levels, subtitles "
                                                            "and links checked (simulated)."}
        elif fate.outcome == "paused":
            reason = fate.code
            _, again = PAUSES[reason]
            creation.resume_at = run.offset + job.stop_step - (1 if again else 0)
            creation.status, creation.progress = "paused", int(100 * creation.resume_at / run.plan_length)
            budget = creation.params["max_credits"]
            if reason == "over_budget" and (budget is None or creation.estimated_credits <= budget):
                # the scenario's re-estimate: half again, and past the budget, or a pause for it would be a lie
                creation.estimated_credits = max(-(-creation.estimated_credits * 3 // 2), (budget or 0) + 1)
            creation.pause = {"reason": reason, "message": self._pause_message(creation, reason),
                              "paused_at": iso(job.end_time)}
        else:
            creation.status, creation.progress = "failed", min(99, run.progress(job.end_time))
            creation.result_code = fate.code or ("cancelled" if fate.outcome == "cancelled" else "render_failed")
            if creation.result_code == "content_policy":
                creation.review = {"status": "flagged", "notes": "The content was flagged by the content policy "
                                                                 "(simulated)."}

    @staticmethod
    def _pause_message(creation: UCreation, reason: str) -> str:
        if reason == "insufficient_credits":
            return (f"Your credits ran out during “{creation.step}”. Recharge on the KPainter website, then "
                    "resume: the creation continues where it stopped.")
        if reason == "over_budget":
            budget = creation.params["max_credits"]
            ceiling = f"your budget of {budget} credits" if budget else "the amount you approved"
            return (f"The estimate is now {creation.estimated_credits} credits, above {ceiling}. Approve the "
                    "overage to continue.")
        return (f"A render worker was lost during “{creation.step}” (simulated). Retry to run that step again; "
                "nothing was charged for it.")

    # -- views ----------------------------------------------------------------------------------------------

    def _state(self, creation: UCreation, now: float) -> dict:
        run = creation.run
        if run is None:
            remaining = 0 if creation.status == "ready" else None
            return {"status": creation.status, "progress_pct": creation.progress, "current_step": creation.step,
                    "estimated_remaining_seconds": remaining, "updated_at": iso(creation.updated_at)}
        job = run.job
        index = job._index(now)
        status = run.phases[index]
        if job.fate.odd_status and status == "generating" and "generating" not in run.phases[:index]:
            status = "waiting_for_gpu"
        end = job.created_at + len(job.steps) * job.step_seconds  # the whole plan: a run cannot foresee a pause
        return {"status": status, "progress_pct": max(creation.progress, min(99, run.progress(now))),
                "current_step": job.steps[index], "estimated_remaining_seconds": max(0, round(end - now)),
                "updated_at": iso(job.updated_at(now))}

    def _summary(self, creation: UCreation, now: float) -> dict:
        state = self._state(creation, now)
        return {"creation_id": creation.creation_id, "type": creation.type, "status": state["status"],
                "title": creation.title, "progress_pct": state["progress_pct"],
                "created_at": iso(creation.created_at), "updated_at": state["updated_at"]}

    def _detail(self, creation: UCreation, now: float) -> dict:
        state = self._state(creation, now)
        review = creation.review
        if state["status"] == "reviewing":
            review = {"status": "pending", "notes": "Quality review in progress."}
        params = creation.params
        return {"creation_id": creation.creation_id, "type": creation.type, "title": creation.title,
                "prompt": params["prompt"], "instructions": params["instructions"], **state,
                "estimated_credits": creation.estimated_credits, "actual_credits": creation.actual_credits,
                "max_credits": params["max_credits"], "has_usable_delivery": creation.version > 0,
                "delivery_version": creation.version, "review": copy.deepcopy(review),
                "result_code": creation.result_code,
                "available_actions": [PAUSES[creation.pause["reason"]][0]] if creation.pause else [],
                "pause": dict(creation.pause) if creation.pause else None,
                "messages": copy.deepcopy(creation.messages), "input_file_ids": list(params["input_file_ids"]),
                creation.type: dict(params["product"]), "created_at": iso(creation.created_at)}

    def _owned(self, owner: str, creation_id: str) -> UCreation:
        creation = self.creations.get(creation_id)
        if creation is None or creation.owner != owner:
            raise NotFound(creation_id)
        return creation

    def _read(self, owner: str, creation_id: str) -> tuple[UCreation, float]:
        now = self.clock()
        self._advance(now)
        return self._owned(owner, creation_id), now

    # -- the API's operations -------------------------------------------------------------------------------

    def create(self, owner: str, params: dict, fate: Fate, *, created_at: float | None = None,
               step_seconds: float | None = None) -> dict:
        with self.lock:
            now = self.clock()
            start = now if created_at is None else created_at
            product = params["product"]
            estimate = ucat.estimate(params["type"], product)
            creation = UCreation(self._new_id("cr"), owner, params, content.derive_title(params["prompt"]), start,
                                 start, estimate, ucat.plan(params["type"], product))
            if fate.outcome == "succeeded" and params["max_credits"] is not None and params["max_credits"] < estimate:
                fate = Fate("paused", 1, "over_budget")  # the estimate is known once planning is done
            self.creations[creation.creation_id] = creation
            self._start_run(creation, 0, fate, start, self.step_seconds if step_seconds is None else step_seconds)
            self._advance(now)
            return self._detail(creation, now)

    def creation(self, owner: str, creation_id: str) -> dict:
        with self.lock:
            creation, now = self._read(owner, creation_id)
            return self._detail(creation, now)

    def outputs(self, owner: str, creation_id: str) -> dict:
        with self.lock:
            creation, now = self._read(owner, creation_id)
            if creation.version == 0:
                raise Conflict("no_usable_delivery", f"Creation {creation_id} has no usable delivery yet (it is "
                                                     f"{self._state(creation, now)['status']}).")
            number = int(creation.creation_id.rsplit("_", 1)[-1], 36)
            return {"creation_id": creation_id, "version": creation.version,
                    "outputs": ucat.outputs(creation_id, creation.type, creation.params["product"],
                                            creation.version, number)}

    def _replayed(self, owner: str, key: str | None, creation_id: str, intent: str) -> dict | None:
        if key is None or (owner, key) not in self.replies:
            return None
        seen_creation, seen_intent, reply = self.replies[owner, key]
        if (seen_creation, seen_intent) != (creation_id, intent):
            raise Conflict("idempotency_key_reused", f"The idempotency_key was already used for {seen_intent} on "
                                                     f"creation {seen_creation}; make a new key for a new intent.")
        return copy.deepcopy(reply)

    def act(self, owner: str, creation_id: str, action: str, key: str) -> dict:
        """Perform an advertised action once per idempotency key; the same key again gets the same reply."""
        with self.lock:
            creation, now = self._read(owner, creation_id)
            replay = self._replayed(owner, key, creation_id, action)
            if replay is not None:
                return replay
            available = self._detail(creation, now)["available_actions"]
            if action not in available:
                offered = ", ".join(available) or "none"
                raise Conflict("action_not_available", f"{action} is not available on creation {creation_id} now "
                                                       f"(available: {offered}).")
            if action == "approve_overage":
                creation.params["max_credits"] = max(creation.params["max_credits"] or 0, creation.estimated_credits)
            self._start_run(creation, creation.resume_at, Fate(), now, self.step_seconds)
            reply = self._detail(creation, now)
            self.replies[owner, key] = (creation_id, action, copy.deepcopy(reply))
            return reply

    def send_message(self, owner: str, creation_id: str, message: dict, fate: Callable[[], Fate]) -> dict:
        """A follow-up on a ready video: answered (a question), rejected, or accepted (a change re-runs it)."""
        with self.lock:
            creation, now = self._read(owner, creation_id)
            key = message["idempotency_key"]
            replay = self._replayed(owner, key, creation_id, "message")
            if replay is not None:
                return replay
            if creation.type != "video":
                raise Conflict("not_a_video", f"Messages are for videos; creation {creation_id} is "
                                              f"{creation.type!r}.")
            status = self._state(creation, now)["status"]
            if status != "ready":
                raise NotReady(status)
            text = message["content"]
            if text.rstrip().endswith("?"):
                verdict, answer = "answered", (
                    f"This video runs {creation.params['product'].get('duration_seconds')} s in "
                    f"{ucat.scene_count(creation.params['product'])} scenes, narrated in "
                    f"{creation.params['product'].get('language')} (a simulated answer: nothing changes).")
            elif "reject" in text.casefold():
                verdict, answer = "rejected", "That change cannot be made to this video (a simulated rejection)."
            else:
                verdict, answer = "accepted", (f"Applying your change; version {creation.version + 1} follows "
                                               "when it passes review.")
            record = {"message_id": f"msg_{len(creation.messages) + 1}", "content": text, "status": verdict,
                      "reply": answer, "input_file_ids": message["input_file_ids"], "created_at": iso(now)}
            creation.messages.append(record)
            creation.updated_at = now
            if verdict == "accepted":
                creation.estimated_credits += -(-ucat.estimate(creation.type, creation.params["product"]) // 4)
                creation.plan, creation.progress = list(ucat.CHANGE_PLAN), 0
                self._start_run(creation, 0, fate(), now, self.step_seconds)
            reply = {"message_id": record["message_id"], "status": verdict, "reply": answer,
                     "creation": self._detail(creation, now)}
            if key is not None:
                self.replies[owner, key] = (creation_id, "message", copy.deepcopy(reply))
            return reply

    def add_file(self, owner: str, name: str, mime_type: str, size: int) -> dict:
        with self.lock:
            record = {"file_id": self._new_id("file"), "name": name, "mime_type": mime_type, "size_bytes": size,
                      "created_at": iso(self.clock())}
            self.files[record["file_id"]] = {**record, "owner": owner}
            return record

    def has_file(self, owner: str, file_id: str) -> bool:
        with self.lock:
            return self.files.get(file_id, {}).get("owner") == owner

    def list(self, owner: str, *, page: int, page_size: int, type_name: str | None = None) -> dict:
        with self.lock:
            now = self.clock()
            self._advance(now)
            rows = [c for c in self.creations.values()
                    if c.owner == owner and (not type_name or c.type == type_name)]
            rows.sort(key=lambda c: (c.created_at, c.creation_id), reverse=True)
            start = (page - 1) * page_size
            return {"items": [self._summary(c, now) for c in rows[start:start + page_size]], "page": page,
                    "page_size": page_size, "total": len(rows)}

    def stats(self) -> dict:
        with self.lock:
            self._advance(self.clock())
            return {"creations": len(self.creations), "files": len(self.files),
                    "active_creations": sum(1 for c in self.creations.values() if c.run is not None)}
