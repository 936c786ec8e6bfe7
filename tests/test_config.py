"""Config: precedence, profiles, strict validation with file:line messages, atomic 0600 writes, the CLI's exits."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kgp_tui.config import (
    DEFAULT_BASE_URL,
    ConfigError,
    app_paths,
    check_base_url,
    load_config,
    save_profile,
)

KEY_A = "kgp_live_aaaa1111bbbb2222cccc"
KEY_B = "kgp_live_bbbb3333dddd4444eeee"
ENV_KEY = "kgp_live_eeee5555ffff6666gggg"

TWO_PROFILES = f"""\
default_profile = "work"
poll_interval = 1.5

[profiles.work]
base_url = "https://api.kpainter.ai/openapi/v1/"
api_key = "{KEY_A}"

[profiles.local]
base_url = "http://127.0.0.1:8765/openapi/v1"
api_key = "{KEY_B}"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_missing_default_file_means_defaults(isolated_dirs):
    config = load_config(env={})
    assert config.poll_interval == 3.0
    assert config.request_timeout == 30.0
    assert config.profiles == {}
    assert config.connection() is None  # no key anywhere: the app opens its connect screen
    assert config.profile().base_url == DEFAULT_BASE_URL


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_profiles_default_and_named(tmp_path):
    config = load_config(write(tmp_path / "c.toml", TWO_PROFILES), env={})
    assert config.poll_interval == 1.5
    work = config.connection()
    assert (work.profile, work.base_url, work.api_key, work.source) == (
        "work", "https://api.kpainter.ai/openapi/v1", KEY_A, "config")
    local = config.connection("local")
    assert (local.base_url, local.api_key) == ("http://127.0.0.1:8765/openapi/v1", KEY_B)
    with pytest.raises(ConfigError, match="no profile named 'nope'"):
        config.connection("nope")


def test_env_overrides_file_and_picks_profile(tmp_path):
    path = write(tmp_path / "c.toml", TWO_PROFILES)
    env = {"KGP_API_KEY": ENV_KEY, "KGP_BASE_URL": "http://localhost:9/openapi/v1", "KGP_TUI_PROFILE": "local"}
    conn = load_config(path, env=env).connection()
    assert (conn.profile, conn.api_key, conn.base_url, conn.source) == (
        "local", ENV_KEY, "http://localhost:9/openapi/v1", "env")
    # Only the key from the environment: the base URL still comes from the profile.
    conn = load_config(path, env={"KGP_API_KEY": ENV_KEY}).connection()
    assert (conn.base_url, conn.api_key) == ("https://api.kpainter.ai/openapi/v1", ENV_KEY)


def test_env_alone_without_file(isolated_dirs):
    conn = load_config(env={"KGP_API_KEY": ENV_KEY}).connection()
    assert (conn.base_url, conn.api_key) == (DEFAULT_BASE_URL, ENV_KEY)


def test_kgp_tui_config_env_picks_file(tmp_path):
    path = write(tmp_path / "elsewhere.toml", TWO_PROFILES)
    config = load_config(env={"KGP_TUI_CONFIG": str(path)})
    assert config.path == path
    assert config.connection().api_key == KEY_A


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("theme = 'nord'\npoll_interval = = 3\n", 2, "not valid TOML"),
        ("poll_interval = 'fast'\n", 1, "poll_interval must be a number"),
        ("\n\nrequest_timeout = 0\n", 3, "request_timeout must be between"),
        ("colour = 'red'\n", 1, "unknown setting 'colour'"),
        ("allow_insecure_http = 'yes'\n", 1, "must be true or false"),
        ("[profiles.a]\nbase_url = 'https://x.test'\napi_key = 5\n", 3, "profiles.a.api_key must be a string"),
        ("[profiles.a]\nbase_url = 'https://x.test'\nkey = 'k'\n", 3, "unknown key 'key' in [profiles.a]"),
        ("[profiles.a]\nbase_url = 'ftp://x.test'\n", 2, "is not an http(s) URL"),
        ("[profiles.a]\nbase_url = 'http://api.example.com/v1'\n", 2, "clear text"),
        ("default_profile = 'b'\n[profiles.a]\napi_key = 'k'\n", 1, "default_profile 'b' names no"),
    ],
)
def test_broken_config_names_file_line_and_problem(tmp_path, text, line, fragment):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert info.value.line == line
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_insecure_http_allowed_only_when_asked(tmp_path):
    text = "[profiles.a]\nbase_url = 'http://api.example.com/v1'\nallow_insecure_http = true\napi_key = 'kgp_x_1234567'\n"
    assert load_config(write(tmp_path / "c.toml", text), env={}).connection().base_url == "http://api.example.com/v1"
    with pytest.raises(ConfigError, match="KGP_BASE_URL: .*clear text"):
        load_config(env={"KGP_BASE_URL": "http://10.1.2.3/openapi/v1", "KGP_API_KEY": "k" * 10}).connection()


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.kpainter.ai/openapi/v1", True),
        ("http://127.0.0.1:8080/openapi/v1", True),
        ("http://[::1]:8080/openapi/v1", True),
        ("http://localhost/openapi/v1", True),
        ("http://192.168.1.5/openapi/v1", False),
        ("api.kpainter.ai/openapi/v1", False),
        ("https://", False),
        ("https://host:99999/", False),
        ("", False),
    ],
)
def test_check_base_url(url, ok):
    if ok:
        assert check_base_url(url) == url.rstrip("/")
    else:
        with pytest.raises(ValueError):
            check_base_url(url)


def test_save_profile_is_0600_atomic_and_keeps_other_settings(tmp_path):
    path = write(tmp_path / "c.toml", TWO_PROFILES)
    path.chmod(0o644)
    save_profile(path, "new", "https://other.example/openapi/v1/", "kgp_live_new0000000000")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = load_config(path, env={})
    assert config.default_profile == "new"
    assert config.poll_interval == 1.5  # untouched
    assert set(config.profiles) == {"work", "local", "new"}
    assert config.connection().base_url == "https://other.example/openapi/v1"
    assert [p.name for p in tmp_path.iterdir()] == ["c.toml"]  # no temp file left behind


def test_save_profile_creates_private_dir_and_file(isolated_dirs):
    file = save_profile(None, "default", "https://api.kpainter.ai/openapi/v1", KEY_A)
    assert file == app_paths().config_file
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    assert load_config().connection().api_key == KEY_A


def test_world_readable_file_with_key_warns_without_showing_key(tmp_path):
    path = write(tmp_path / "c.toml", TWO_PROFILES)
    path.chmod(0o644)
    config = load_config(path, env={})
    assert len(config.warnings) == 1 and "chmod 600" in config.warnings[0]
    assert KEY_A not in config.warnings[0]


def test_reprs_show_only_the_key_prefix(tmp_path):
    config = load_config(write(tmp_path / "c.toml", TWO_PROFILES), env={})
    text = repr(config) + repr(config.connection()) + str(config.profiles)
    assert KEY_A not in text and KEY_B not in text
    assert "kgp_live_aaaa" in text


def run_cli(*args: str, env_extra: dict[str, str] | None = None, cwd: Path | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KGP_")}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "kgp_tui", *args], capture_output=True, text=True, env=env, timeout=60, cwd=cwd
    )


def test_cli_help_and_version_need_nothing(isolated_dirs):
    from kgp_tui import __version__

    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"kgp-tui {__version__}"
    result = run_cli("--help")
    assert result.returncode == 0
    assert "--demo" in result.stdout and "kgp-tui simulator" in result.stdout and "KGP_API_KEY" in result.stdout


def test_cli_broken_config_is_one_line_and_exit_2(tmp_path):
    path = write(tmp_path / "bad.toml", f"[profiles.a]\napi_key = '{KEY_A}'\nbase_url = 3\n")
    result = run_cli("--config", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == f"kgp-tui: config error: {path}:3: profiles.a.base_url must be a string, not int"
    assert "Traceback" not in result.stderr and KEY_A not in result.stderr + result.stdout


def test_cli_locate_prints_paths(isolated_dirs):
    result = run_cli("locate", env_extra={
        "XDG_CONFIG_HOME": str(isolated_dirs / "config"),
        "XDG_DATA_HOME": str(isolated_dirs / "data"),
        "XDG_STATE_HOME": str(isolated_dirs / "state"),
    })
    assert result.returncode == 0
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines())
    assert lines["config"].strip().startswith(str(isolated_dirs / "config" / "kgp-tui" / "config.toml"))
    assert lines["data"].strip() == str(isolated_dirs / "data" / "kgp-tui")
    assert lines["logs"].strip().startswith(str(isolated_dirs / "state" / "kgp-tui"))
    result = run_cli("--config", "/tmp/some/where.toml", "locate")
    assert "config: /tmp/some/where.toml" in result.stdout


def test_single_profile_is_the_default_without_default_profile_line(tmp_path):
    text = f"[profiles.only]\nbase_url = 'https://a.example/openapi/v1'\napi_key = '{KEY_A}'\n"
    conn = load_config(write(tmp_path / "c.toml", text), env={}).connection()
    assert (conn.profile, conn.api_key) == ("only", KEY_A)


def test_cli_routes_simulator_subcommand(isolated_dirs):
    result = run_cli("simulator", "--list-scenarios")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert {"default", "rate_limit", "drop_after_create", "bad_gateway"} <= set(names)


def test_keymap_table_is_read_and_checked(tmp_path):
    text = '[keymap]\n"app.jobs" = "f3,j"\n"catalog.filter" = "slash,ctrl+f"\n'
    assert load_config(write(tmp_path / "c.toml", text), env={}).keymap == {
        "app.jobs": "f3,j", "catalog.filter": "slash,ctrl+f"}
    with pytest.raises(ConfigError, match="keymap.app.jobs must be a string of keys") as info:
        load_config(write(tmp_path / "c.toml", '\n[keymap]\n"app.jobs" = 3\n'), env={})
    assert info.value.line == 3


def test_example_config_is_valid_and_documents_every_setting():
    from kgp_tui.config import PROFILE_KEYS, SETTINGS

    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    text = example.read_text(encoding="utf-8")
    config = load_config(example, env={})
    assert config.profiles and config.keymap
    for key in [*SETTINGS, *PROFILE_KEYS, "[keymap]", "[profiles."]:
        assert key in text, f"config.example.toml does not mention {key}"
