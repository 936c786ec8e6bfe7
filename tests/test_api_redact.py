"""Key hygiene: key_prefix shows only the documented prefix; redact leaves no full key behind."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kgp_tui.api.redact import key_prefix, redact

KEY = "kgp_test_5be1c0ffee2d4e6f8a9b"


def test_prefix_of_a_kgp_key_is_up_to_the_second_underscore_plus_four():
    assert key_prefix("kgp_live_3f9a1234abcdef") == "kgp_live_3f9a…"
    assert key_prefix(KEY) == "kgp_test_5be1…"


def test_prefix_of_other_shapes_is_six_characters():
    assert key_prefix("abcdefghijklmnop") == "abcdef…"
    assert key_prefix("single_underscore") == "single…"


def test_prefix_of_empty_key_is_empty():
    assert key_prefix("") == ""


def test_prefix_never_shows_a_short_key_whole():
    for key in ("abcdef", "abc", "kgp_live_3f9a", "x"):
        shown = key_prefix(key).rstrip("…")
        assert len(shown) <= max(0, len(key) - 4)
        assert key not in key_prefix(key)


def test_redact_replaces_every_occurrence_with_the_prefix():
    text = f"key={KEY}; again {KEY}."
    assert redact(text, KEY) == "key=kgp_test_5be1…; again kgp_test_5be1…."


def test_redact_handles_several_keys_and_ignores_short_or_empty_ones():
    other = "zz_secret_value_123456"
    text = f"{KEY} and {other} and abc"
    out = redact(text, KEY, other, "", "abc")
    assert KEY not in out and other not in out
    assert "abc" in out  # keys shorter than 6 characters are not treated as secrets


def test_redact_without_keys_returns_text_unchanged():
    assert redact("nothing to hide") == "nothing to hide"
    assert redact("", KEY) == ""


key_text = st.text(alphabet="ab_…k", min_size=6, max_size=14)


@settings(max_examples=400, deadline=None)
@given(keys=st.lists(key_text, min_size=1, max_size=3), pieces=st.lists(st.text(alphabet="ab_…kx ", max_size=8), max_size=6))
def test_redact_never_leaves_a_key_in_its_output(keys, pieces):
    # Build adversarial text: keys glued to fragments of themselves and each other.
    parts = []
    for i, piece in enumerate(pieces):
        parts.append(piece)
        key = keys[i % len(keys)]
        parts.append(key if i % 2 == 0 else key[: len(key) // 2] + key)
    text = "".join(parts) + keys[0]
    out = redact(text, *keys)
    for key in keys:
        assert key not in out


@given(key=st.text(min_size=6, max_size=40), prefix=st.text(max_size=20), suffix=st.text(max_size=20))
def test_redact_removes_arbitrary_keys_from_arbitrary_text(key, prefix, suffix):
    assert key not in redact(prefix + key + suffix, key)
