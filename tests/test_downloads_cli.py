"""`kgp-tui download CREATION_ID [--dir DIR] [--json]` against the simulator: what --json says, the exit codes."""

from __future__ import annotations

import hashlib
import json

import pytest
from support import TEST_KEY
from support.downloads import expected_bytes

from kgp_tui.__main__ import main


@pytest.fixture
def env(isolated_dirs, monkeypatch, surface_sim):
    monkeypatch.setenv("KGP_BASE_URL", surface_sim.base_url)
    monkeypatch.setenv("KGP_API_KEY", TEST_KEY)
    return surface_sim


def test_json_lists_every_file_complete_and_exit_0(env, tmp_path, capsys):
    sim = env
    if sim.surface == "unified":  # its video is 40 MB; an image creation keeps the test light
        from support.unified_http import IMAGE_BODY, poll, ucreate

        creation_id = ucreate(sim, IMAGE_BODY)["creation_id"]
        assert poll(sim, creation_id)[-1]["status"] == "ready"
    else:
        creation_id = str(sim.seed_creations(1)[0])
    out = tmp_path / "out"
    assert main(["download", creation_id, "--dir", str(out), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["creation_id"] == creation_id and said["files"]
    for entry in said["files"]:
        assert set(entry) == {"path", "url", "size_bytes", "sha256"}
        data = (out / entry["path"].rsplit("/", 1)[-1]).read_bytes()
        assert entry["path"].startswith(str(out)) and len(data) == entry["size_bytes"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and data == expected_bytes(sim, entry["url"])


def test_an_expired_link_exits_1_and_says_why(env, tmp_path, capsys):
    sim = env
    creation_id = str(sim.seed_creations(1)[0])
    sim.set_scenario("media_expired")
    assert main(["download", creation_id, "--dir", str(tmp_path / "out"), "--json"]) == 1
    captured = capsys.readouterr()
    said = json.loads(captured.out)
    assert all(entry["path"] is None and "expired" in entry["error"] for entry in said["files"])
    assert "expired" in captured.err and "Traceback" not in captured.err
    assert not list((tmp_path / "out").glob("*"))


def test_no_key_is_a_usage_error(isolated_dirs, monkeypatch, capsys):
    monkeypatch.delenv("KGP_API_KEY", raising=False)
    assert main(["download", "101"]) == 2
    assert "no API key" in capsys.readouterr().err


def test_an_unknown_creation_exits_1(env, tmp_path, capsys):
    assert main(["download", "999999", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "999999" in err and "Traceback" not in err and TEST_KEY not in err


def test_the_default_folder_is_download_dir_plus_the_creation(isolated_dirs, monkeypatch, sim, tmp_path):
    monkeypatch.setenv("KGP_BASE_URL", sim.base_url)
    monkeypatch.setenv("KGP_API_KEY", TEST_KEY)
    (isolated_dirs_config := tmp_path / "config" / "kgp-tui").mkdir(parents=True)
    (isolated_dirs_config / "config.toml").write_text(f'download_dir = "{tmp_path / "dl"}"\n')
    creation_id = str(sim.seed_creations(1)[0])
    assert main(["download", creation_id]) == 0
    assert sorted(p.name for p in (tmp_path / "dl" / creation_id).iterdir()) == [
        "Cover image.png", "Final video.mp4", "Subtitles (en).vtt"]
