"""The words shown when an upload fails: one explanation per error the client raises, never its text."""

from __future__ import annotations

import pytest
from support import TEST_KEY

from kgp_tui.api.errors import (
    AuthError,
    ConnectionFailed,
    FileTooLarge,
    KGPError,
    PermissionDenied,
    RateLimited,
    RequestTimeout,
    ServerError,
    UnsupportedFileType,
    ValidationFailed,
)
from kgp_tui.widgets.upload_errors import explain_upload_error

INSIDE = f"[bold]internal detail[/bold] \x1b[2J {TEST_KEY}"  # what an exception may carry: never shown


@pytest.mark.parametrize(("error", "words"), [
    (FileTooLarge(INSIDE, status=413), "The server refused it as too large (HTTP 413). Nothing was uploaded"),
    (FileTooLarge(INSIDE), "Not sent: it is over the server's size limit."),
    (UnsupportedFileType(INSIDE, status=415), "The server does not take this type of file (HTTP 415)."),
    (UnsupportedFileType(INSIDE), "Not sent: the server does not take this type of file."),
    (RequestTimeout(INSIDE, stage="reply"), "The server did not answer in time. Press r to try again."),
    (ConnectionFailed(INSIDE, stage="connect"), "Could not reach the server: check the network. Press r"),
    (ConnectionFailed(INSIDE, stage="reply", ambiguous=True), "The connection broke during the upload. Press r"),
    (RateLimited(INSIDE, status=429, retry_after=3.0), "Too many requests (HTTP 429): wait 3 s, then press r"),
    (RateLimited(INSIDE, status=429), "Too many requests (HTTP 429): wait a little, then press r"),
    (ServerError(INSIDE, status=502, method="POST", ambiguous=True), "The server had a fault (HTTP 502). Press r"),
    (AuthError(INSIDE, status=401), "The server refused the API key (HTTP 401)"),
    (PermissionDenied(INSIDE, status=403), "This API key may not upload files (HTTP 403)."),
    (ValidationFailed(INSIDE, status=422), "The server refused the file as invalid (HTTP 422)."),
    (KGPError(INSIDE, status=418), "The upload failed (HTTP 418)."),
    (KGPError(INSIDE), "The file could not be read or sent."),
    (OSError(INSIDE), "The upload failed unexpectedly. Press r to try again."),
])
def test_each_failure_is_said_in_our_own_words(error, words):
    said = explain_upload_error(error)
    assert said.startswith(words)
    assert "internal" not in said and TEST_KEY not in said and "\x1b" not in said and "[" not in said
