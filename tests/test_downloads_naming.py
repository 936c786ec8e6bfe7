"""File names for downloads (pure): label or kind + extension, sanitized, inside the folder, never overwriting."""

from __future__ import annotations

import pytest

from kgp_tui.downloads.naming import (
    MAX_NAME_BYTES,
    clean_stem,
    extension,
    file_name,
    folder_name,
    inside,
    unique_name,
)

HOSTILE = ["../../etc/passwd", "..", ".", "/", "a/b\\c", "\x1b[2J\x1b]52;c;aGk=\x07evil\x00\x08\x7f",
           "\u202eevil\u202c", "x" * 300, "é" * 300, "CON", "  ..hidden  ", "C:\\Windows\\system32", "a:b*c?d"]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_become_plain_names_inside_the_folder(tmp_path, label):
    name = file_name(label, "video", "video/mp4", "https://cdn.example/x/main.mp4")
    assert name.endswith(".mp4") and len(name.encode()) <= MAX_NAME_BYTES
    assert "/" not in name and "\\" not in name and ".." not in name and not name.startswith(".")
    assert all(ch.isprintable() for ch in name) and "\u202e" not in name
    path = inside(tmp_path, name)
    assert path.parent == tmp_path and path.resolve().parent == tmp_path.resolve()
    assert name.split(".")[0].upper() not in ("CON", "PRN", "AUX", "NUL")


def test_the_label_names_the_file_and_the_kind_stands_in():
    assert file_name("Final video", "video", "video/mp4", None) == "Final video.mp4"
    assert file_name("Subtitles (en)", "subtitles", "text/vtt", None) == "Subtitles (en).vtt"
    assert file_name(None, "image", "image/png", None) == "image.png"
    assert file_name("", "", None, None) == "download.bin"
    assert file_name("../../etc/passwd", None, "text/plain", None) == "etc_passwd.txt"
    assert file_name("deck.pdf", "pdf", "application/pdf", None) == "deck.pdf"  # not deck.pdf.pdf


def test_the_extension_comes_from_the_mime_type_then_the_url():
    assert extension("video/mp4", "https://x/a.bin") == ".mp4"
    assert extension("application/octet-stream", "https://x/app.zip?sig=1") in (".zip", ".bin")
    assert extension(None, "https://x/path/file.WEBM") == ".webm"
    assert extension(None, "https://x/path/no-suffix") == ".bin"
    assert extension("application/vnd.openxmlformats-officedocument.presentationml.presentation", None) == ".pptx"
    assert extension("text/html; charset=utf-8", None) == ".html"


def test_a_taken_name_gets_a_suffix_and_so_does_one_with_a_part(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    assert unique_name(tmp_path, "a.mp4") == "a (2).mp4"
    (tmp_path / "a (2).mp4.part").write_bytes(b"x")
    assert unique_name(tmp_path, "a.mp4") == "a (3).mp4"
    assert unique_name(tmp_path, "a.mp4", taken={"a (3).mp4"}) == "a (4).mp4"
    assert unique_name(tmp_path, "b.mp4") == "b.mp4"


def test_inside_refuses_anything_but_a_plain_name(tmp_path):
    for bad in ("", ".", "..", "a/b", "../x", "a\\b", "a\x00b"):
        with pytest.raises(ValueError):
            inside(tmp_path, bad)


def test_creation_folders_are_clean_too():
    assert folder_name("101") == "101" and folder_name("cr_8002t") == "cr_8002t"
    assert folder_name("../..") == "creation" and "/" not in folder_name("a/../b")
    assert clean_stem("\x1b[31mred\x1b[0m") == "red"
