"""The API key goes nowhere but the config file (mode 0600) and the request header.

One full session with a known key, by keys, against the real simulator: connect (saving a profile), browse the
catalog, create, follow the job to the end, open the creation, edit a scene, live through a few faults so errors
are logged, and take a screenshot, with the debug log file on. Then every file the app wrote (config, data with the
SQLite state file, state, logs, screenshots), every rendered screen, every notification and everything written to
stdout/stderr is searched for the key.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

from support.app import (
    connected_app_on_catalog,
    open_type,
    paste,
    screen_text,
    type_into,
    wait_for,
)
from support.clock import FakeClock

from kgp_tui.screens.creation import CreationScreen
from kgp_tui.screens.edit import ConfirmEditScreen
from kgp_tui.screens.jobs import JobsScreen

KEY = "kgp_live_leakcheck_7f3e9a1b2c4d5e6f0a1b"
SIZE = (120, 40)


def rendered(app) -> str:
    return app.export_screenshot() + "\n" + screen_text(app) + "\n" + "\n".join(
        str(n.message) for n in app._notifications)


def files_holding(root: Path, needle: bytes) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file() and needle in path.read_bytes())


async def test_the_key_appears_only_in_the_config_file(isolated_dirs, capfd):
    from kgp_tui.app import KGPApp
    from kgp_tui.config import Config, app_paths, load_config
    from kgp_tui.logs import REDACTOR, setup_logging
    from kgp_tui.simulator import Simulator

    paths = app_paths()
    log_file = setup_logging(paths.log_file, level=logging.DEBUG)  # as `kgp-tui --debug` does, before any key
    assert log_file is not None
    shots = isolated_dirs / "screenshots"
    seen: list[str] = []
    clock = FakeClock()  # the simulator's jobs move only when the test says: the edit job is still running for the faults
    sim = Simulator(api_key=KEY, port=0, step_seconds=1.0, clock=clock).start()
    try:
        config = Config(path=paths.config_file, poll_interval=0.1, request_timeout=0.5, env={})
        app = KGPApp(config=config)
        async with app.run_test(size=SIZE) as pilot:
            await type_into(pilot, "#base-url", sim.base_url)
            await type_into(pilot, "#api-key", KEY)
            seen.append(rendered(app))
            await pilot.click("#save-profile")
            await pilot.press("ctrl+s")
            await connected_app_on_catalog(pilot)
            seen.append(rendered(app))

            await open_type(pilot, "slides_video")
            await paste(pilot, "Explain tides")
            seen.append(rendered(app))
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), what="jobs")
            clock.advance(100)  # past the create job's last step
            await wait_for(pilot, lambda: "101" in app.store.creations and app.store.creations["101"].status == "ready",
                           timeout=15, what="creation ready")
            seen.append(rendered(app))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, CreationScreen) and app.screen.query("#scenes"),
                           what="creation screen")
            seen.append(rendered(app))

            await pilot.press("e")
            await wait_for(pilot, lambda: app.screen.query("#edit-text"), what="edit dialog")
            await pilot.press("ctrl+a", "ctrl+k")
            await paste(pilot, "A new narration for the first scene.")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEditScreen), what="edit confirmation")
            seen.append(rendered(app))
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(app.store.runs) == 2, what="edit job tracked")

            for fault, params in (("server_error", {}), ("drop_connection", {}), ("reject_key", {}),
                                  ("malformed_json", {})):
                sim.set_scenario(fault, times=1, **params)
                await pilot.press("f5")
                await wait_for(pilot, lambda: sim._scenario.remaining == 0, timeout=5, what=f"{fault} used up")
                seen.append(rendered(app))
            sim.set_scenario("default")
            clock.advance(100)  # past the edit job's last step
            await pilot.press("f3")
            await wait_for(pilot, lambda: all(t.run.is_terminal for t in app.store.runs.values()), timeout=15,
                           what="edit done")
            seen.append(rendered(app))
            shots.mkdir()
            shot = app.save_screenshot(path=str(shots))
            assert Path(shot).exists()
            seen.append(repr(app.adapter))
        for handler in logging.getLogger("kgp_tui").handlers:
            handler.flush()
    finally:
        sim.stop()
        for handler in list(logging.getLogger("kgp_tui").handlers):
            logging.getLogger("kgp_tui").removeHandler(handler)
            handler.close()
        REDACTOR.secrets.clear()

    out, err = capfd.readouterr()
    needle = KEY.encode()
    # On screen: the prefix at most.
    assert not [text for text in seen if KEY in text]
    assert any("kgp_live_leak" in text for text in seen)  # the prefix is what identifies the key
    # In stdout/stderr: nothing.
    assert KEY not in out and KEY not in err
    # On disk: the config file only, private.
    holders = files_holding(isolated_dirs, needle)
    assert holders == [paths.config_file], holders
    assert stat.S_IMODE(os.stat(paths.config_file).st_mode) == 0o600
    assert load_config(paths.config_file).profiles  # the saved profile is real and loads again
    # What the search covered: a real debug log with the faults in it, the state file, the screenshot.
    log_text = paths.log_file.read_text()
    assert "GET /creations/jobs" in log_text and "-> 500" in log_text and "-> 401" in log_text
    assert "failed: ConnectionFailed" in log_text and "job polls failing" in log_text
    written = {path.name for path in isolated_dirs.rglob("*") if path.is_file()}
    assert any(name.endswith(".svg") for name in written)
    assert any(name.endswith((".sqlite", ".sqlite3", ".db")) for name in written), written


def test_locate_prints_the_log_path(isolated_dirs):
    from kgp_tui.config import app_paths

    env = {**os.environ}
    done = subprocess.run([sys.executable, "-m", "kgp_tui", "locate"], capture_output=True, text=True, env=env,
                          timeout=30)
    assert done.returncode == 0
    assert f"logs:   {app_paths().log_file}" in done.stdout.splitlines()
    assert str(isolated_dirs) in str(app_paths().log_file)
