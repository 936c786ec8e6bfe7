"""A rotating log file that never holds an API key: every record is redacted before it is written."""

from __future__ import annotations

import logging
import logging.handlers
from io import TextIOWrapper
from pathlib import Path

from kgp_tui.config import private_dir, private_file, tighten_file

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replace every known secret in a record's final text with its prefix (for all handlers it sits on)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add_secret(self, secret: str) -> None:
        if secret and len(secret) >= 6:
            self.secrets.add(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        from kgp_tui.api.redact import redact

        if self.secrets:
            message = record.getMessage()
            record.msg = redact(message, *self.secrets)
            record.args = None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info), *self.secrets)
                record.exc_info = None
        return True


REDACTOR = RedactingFilter()


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file is 0600: the log names prompts and creations, which are the user's alone."""

    def _open(self) -> TextIOWrapper:  # also opens the new file after each rollover
        private_file(Path(self.baseFilename))
        return super()._open()


def setup_logging(log_file: Path, *, level: int = logging.INFO, secrets: tuple[str, ...] = ()) -> Path | None:
    """Log kgp-tui's own loggers to a rotating file (1 MB × 3); returns the path, or None if it cannot be written."""
    for secret in secrets:
        REDACTOR.add_secret(secret)
    try:
        private_dir(log_file.parent)
        handler = PrivateRotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        for number in range(1, handler.backupCount + 1):
            tighten_file(Path(f"{log_file}.{number}"))  # rotated files an older kgp-tui left 0644
    except OSError:
        logging.getLogger("kgp_tui").addHandler(logging.NullHandler())  # no file: still nothing on the terminal
        return None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(REDACTOR)
    logger = logging.getLogger("kgp_tui")
    logger.setLevel(level)
    logger.addHandler(handler)
    logger.propagate = False
    return log_file
