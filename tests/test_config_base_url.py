"""Where a key goes: the effective base URL ($KGP_BASE_URL → profile → default), and how the connect screen says it."""

from __future__ import annotations

import pytest

from kgp_tui.config import DEFAULT_BASE_URL, Config, ConfigError, Profile
from kgp_tui.screens.connect import key_destination, retry_note

WORK = "https://work.example.com/openapi/v1"


def config(env=None, **profiles) -> Config:
    made = Config(path=None, env=env or {})  # type: ignore[arg-type]
    made.profiles = {name: Profile(name=name, base_url=url) for name, url in profiles.items()}
    return made


def test_the_effective_base_url_is_env_then_profile_then_default():
    assert config().base_url() == DEFAULT_BASE_URL
    assert config(default=WORK).base_url() == WORK
    assert config({"KGP_BASE_URL": "http://127.0.0.1:9/openapi/v1/"}, default=WORK).base_url() == \
        "http://127.0.0.1:9/openapi/v1"
    assert config().connection() is None  # no key: no connection, but still a base URL (above)


def test_the_cli_profile_wins_over_kgp_tui_profile_and_an_unknown_one_is_an_error():
    chosen = config({"KGP_TUI_PROFILE": "home"}, home="https://home.example.com", work=WORK)
    assert chosen.base_url() == "https://home.example.com"
    chosen.chosen_profile = "work"
    assert chosen.base_url() == WORK
    chosen.chosen_profile = "nope"
    with pytest.raises(ConfigError, match="no profile named 'nope'"):
        chosen.base_url()


def test_a_bad_env_url_is_an_error_when_checked_and_shown_as_given_when_not():
    bad = config({"KGP_BASE_URL": "http://kgp.example.com/openapi/v1"})
    with pytest.raises(ConfigError, match="KGP_BASE_URL"):
        bad.base_url()
    assert bad.base_url(checked=False) == "http://kgp.example.com/openapi/v1"  # never swapped for the default


@pytest.mark.parametrize(("url", "insecure", "said"), [
    (DEFAULT_BASE_URL, False, "Your key will be sent to api.kpainter.ai."),
    ("https://user:pw@kgp.example.com:8443/v1", False, "Your key will be sent to kgp.example.com:8443."),
    ("http://127.0.0.1:8765/openapi/v1", False, "Your key will be sent to 127.0.0.1:8765 over plain http (this computer)."),
    ("http://kgp.example.com", True,
     "Your key will be sent to kgp.example.com over plain http (anyone on the way can read it)."),
])
def test_key_destination_names_the_host(url, insecure, said):
    assert key_destination(url, insecure).plain == said


def test_key_destination_says_when_a_url_cannot_be_used():
    said = key_destination("http://kgp.example.com").plain
    assert said.startswith("Your key will not be sent: ") and "plain http" in said
    assert key_destination("kgp.example.com\x1b[2J").plain.count("\x1b") == 0  # typed text is data


class Status:
    def __init__(self, status):
        self.status = status


@pytest.mark.parametrize(("status", "delay", "said"), [
    (429, 4.0, "kgp.example.com asks to slow down (HTTP 429): retrying in 4 s (retry 1 of 2)…"),
    (503, 0.3, "kgp.example.com answered HTTP 503: retrying in a moment (retry 1 of 2)…"),
    (None, 1.2, "kgp.example.com did not answer: retrying in 1 s (retry 1 of 2)…"),
])
def test_retry_note_says_why_and_when(status, delay, said):
    assert retry_note("https://kgp.example.com/openapi/v1", Status(status), 1, 2, delay) == said
