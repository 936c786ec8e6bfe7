"""The log file helps users report problems and never holds their key."""

from __future__ import annotations

import logging

from kgp_tui.logs import REDACTOR, setup_logging

KEY = "kgp_live_9d8c7b6a5f4e3d2c1b0a"


def test_log_file_redacts_key_in_messages_args_and_tracebacks(tmp_path):
    log_file = setup_logging(tmp_path / "logs" / "kgp-tui.log", secrets=(KEY,))
    logger = logging.getLogger("kgp_tui.test")
    try:
        logger.info("connecting with %s", KEY)
        logger.warning(f"header X-KGP-Api-Key: {KEY}")
        try:
            raise RuntimeError(f"boom {KEY}")
        except RuntimeError:
            logger.exception("failed")
        for handler in logging.getLogger("kgp_tui").handlers:
            handler.flush()
        text = log_file.read_text()
    finally:
        for handler in list(logging.getLogger("kgp_tui").handlers):
            logging.getLogger("kgp_tui").removeHandler(handler)
            handler.close()
        REDACTOR.secrets.clear()
    assert KEY not in text
    assert text.count("kgp_live_9d8c…") == 3
    assert "RuntimeError" in text  # the traceback is kept, only the key is gone


def test_unwritable_log_dir_is_not_fatal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert setup_logging(blocker / "sub" / "kgp-tui.log") is None
