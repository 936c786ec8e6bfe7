"""Failures that are not the server's: a request wanted with no connection, and faults inside kgp-tui.

The App's one worker-failure handler and the screens report through here, so an exception that is not the client's
own error type reaches the user as one titled line ("an unexpected error inside kgp-tui") and the log file as a
traceback, never as Python text on screen. No Textual, no httpx: cheap to import.
"""

from __future__ import annotations

import logging

log = logging.getLogger("kgp_tui.failures")

# What each worker group does, in the user's words: the title of the message when one fails unexpectedly.
WORKER_TASKS = {
    "connect": "Connecting", "demo": "Starting the built-in simulator", "create": "Submitting",
    "load-job": "Loading a job", "me": "Refreshing credits", "creation": "Loading a creation",
    "poll": "Polling jobs", "persist": "Reading the local state", "edit": "Sending the edit",
    "history-fetch": "Loading the history", "persist-surface": "Remembering which API the server speaks",
}
UNKNOWN_TASK = "A background task"


def not_connected() -> BaseException:
    """The error a network worker reports when there is no client: nothing was sent."""
    from kgp_tui.api.errors import NotConnected  # stdlib only, loaded when first needed

    return NotConnected()


def log_unexpected(error: BaseException, what: str) -> None:
    """An error that is not the client's own is a fault in kgp-tui: its traceback goes to the log file."""
    from kgp_tui.api.errors import KGPError

    if not isinstance(error, KGPError):
        log.error("%s failed unexpectedly", what, exc_info=(type(error), error, error.__traceback__))


def task_of(group: str) -> str:
    return WORKER_TASKS.get(group, UNKNOWN_TASK)
