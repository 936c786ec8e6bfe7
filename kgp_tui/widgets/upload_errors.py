"""What to tell the user when a file upload fails: words of our own for each error the client raises, never the
exception's text or the server's internals. Pure: no Textual."""

from __future__ import annotations

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

__all__ = ["explain_upload_error"]

_RETRY = " Press r to try again."
_SAID: tuple[tuple[type[KGPError], str], ...] = (  # the first class that matches says it
    (RequestTimeout, "The server did not answer in time." + _RETRY),
    (ServerError, "The server had a fault (HTTP {status})." + _RETRY),
    (AuthError, "The server refused the API key (HTTP 401): reconnect with a valid key."),
    (PermissionDenied, "This API key may not upload files (HTTP 403)."),
    (ValidationFailed, "The server refused the file as invalid (HTTP 422)."),
)


def explain_upload_error(exc: BaseException) -> str:
    """Why an upload failed, in words of our own: no exception text, no server internals."""
    if isinstance(exc, (FileTooLarge, UnsupportedFileType)):
        large = isinstance(exc, FileTooLarge)
        what = "it is over the server's size limit" if large else "the server does not take this type of file"
        if exc.status is None:  # the adapter's own check against the capabilities it read
            return f"Not sent: {what}."
        return (("The server refused it as too large (HTTP 413)." if large else
                 "The server does not take this type of file (HTTP 415).") +
                " Nothing was uploaded: pick " + ("a smaller file." if large else "another file."))
    if isinstance(exc, RateLimited):
        wait = f"wait {int(exc.retry_after)} s" if exc.retry_after else "wait a little"
        return f"Too many requests (HTTP 429): {wait}, then press r to try again."
    said = next((text for cls, text in _SAID if isinstance(exc, cls)), None)
    if said is not None:
        return said.format(status=getattr(exc, "status", None))
    if isinstance(exc, ConnectionFailed):
        if exc.stage == "connect":
            return "Could not reach the server: check the network." + _RETRY
        return "The connection broke during the upload." + _RETRY
    if isinstance(exc, KGPError):
        return f"The upload failed (HTTP {exc.status})." if exc.status else "The file could not be read or sent."
    return "The upload failed unexpectedly." + _RETRY
