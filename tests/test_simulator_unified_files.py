"""POST /files on the unified surface: multipart uploads, their limits, and file ids in creates and messages."""

from __future__ import annotations

import http.client

import pytest
from support.unified_http import (
    VIDEO_BODY,
    multipart,
    poll,
    ucall,
    ucreate,
    unified,
    upload,
)

# Binary bytes, CRLFs, and the boundary's text where it does not start a line: all part of the file.
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"x--kgpBoundary7\r\n--not-a-boundary\r\n%%EOF\r\n"


@pytest.fixture
def usim():
    with unified(max_file_bytes=64 * 1024) as server:
        yield server


def test_an_upload_returns_a_file_id_that_a_create_can_use(usim):
    response = upload(usim, "notes.pdf", "application/pdf", PDF)
    assert response.status == 201, response.raw
    record = response.json()
    assert record["file_id"].startswith("file_") and isinstance(record["file_id"], str)
    assert (record["name"], record["mime_type"], record["size_bytes"]) == ("notes.pdf", "application/pdf", len(PDF))
    created = ucreate(usim, {**VIDEO_BODY, "input_file_ids": [record["file_id"]]})
    assert created["input_file_ids"] == [record["file_id"]]


def test_the_capabilities_announce_the_limits_that_apply(usim):
    files = ucall(usim, "GET", "/capabilities").json()["files"]
    assert files["max_bytes"] == 64 * 1024 and files["max_files"] == 5 and "image/png" in files["mime_types"]


def test_a_file_over_the_limit_is_413_and_stores_nothing(usim):
    too_big = upload(usim, "big.png", "image/png", b"\x89PNG" + b"\0" * (64 * 1024))
    assert too_big.status == 413 and "65,536" in too_big.json()["detail"]
    exactly = upload(usim, "ok.png", "image/png", b"\0" * (64 * 1024))
    assert exactly.status == 201
    assert usim.stats()["files"] == 1


def test_a_body_far_over_the_limit_still_gets_its_413(usim):
    """A client still sending must read a 413, not a reset connection: the body is drained first."""
    body, header = multipart([("file", "huge.pdf", "application/pdf", b"x" * (3 * 1024 * 1024))])
    response = ucall(usim, "POST", "/files", data=body, headers={"Content-Type": header}, timeout=10)
    assert response.status == 413 and isinstance(response.json()["detail"], str)


def test_a_type_not_allowed_is_415(usim):
    refused = upload(usim, "run.exe", "application/x-msdownload", b"MZ" * 10)
    assert refused.status == 415 and refused.json()["code"] == "unsupported_media_type"
    assert "application/pdf" in refused.json()["detail"]
    assert upload(usim, "notes.md", "text/markdown; charset=utf-8", b"# hi").status == 201


@pytest.mark.parametrize("parts, content_type", [
    ([("other", "notes.pdf", "application/pdf", PDF)], None),
    ([("file", None, "application/pdf", PDF)], None),
    ([("file", "empty.txt", "text/plain", b"")], None),
    ([("file", "notes.pdf", "application/pdf", PDF)], "application/json"),
])
def test_an_upload_without_a_usable_file_is_422(usim, parts, content_type):
    body, header = multipart(parts)
    response = ucall(usim, "POST", "/files", data=body, headers={"Content-Type": content_type or header})
    assert response.status == 422 and response.json()["errors"][0]["field"] == "file"


def test_uploads_need_a_key_that_can_create(usim):
    assert upload(usim, "a.txt", "text/plain", b"hi", key=usim.readonly_key).status == 403
    assert upload(usim, "a.txt", "text/plain", b"hi", key=None).status == 401


def test_another_keys_file_and_too_many_files_are_refused(usim):
    theirs = upload(usim, "a.txt", "text/plain", b"hi", key=usim.no_credit_key).json()["file_id"]
    refused = ucall(usim, "POST", "/creations", {**VIDEO_BODY, "input_file_ids": [theirs]})
    assert refused.status == 422 and refused.json()["errors"][0]["field"] == "input_file_ids"
    mine = [upload(usim, f"{n}.txt", "text/plain", b"hi").json()["file_id"] for n in range(6)]
    assert ucall(usim, "POST", "/creations", {**VIDEO_BODY, "input_file_ids": mine}).status == 422


def test_a_message_can_carry_files_and_an_unknown_one_is_422(usim):
    creation_id = ucreate(usim, VIDEO_BODY)["creation_id"]
    assert poll(usim, creation_id)[-1]["status"] == "ready"
    file_id = upload(usim, "style.png", "image/png", b"\x89PNG").json()["file_id"]
    path = f"/creations/{creation_id}/messages"
    bad = ucall(usim, "POST", path, {"content": "Use this logo", "input_file_ids": ["file_zz"]})
    assert bad.status == 422
    sent = ucall(usim, "POST", path, {"content": "Use this logo", "input_file_ids": [file_id]})
    assert sent.status == 202 and sent.json()["creation"]["messages"][0]["input_file_ids"] == [file_id]


def test_a_chunked_upload_is_read_too(usim):
    body, header = multipart([("file", "notes.txt", "text/plain", b"chunked body")])
    connection = http.client.HTTPConnection(usim.host, usim.port, timeout=5)
    try:
        connection.request("POST", "/openapi/v1/files", body=iter([body[:10], body[10:]]),
                           headers={"Authorization": f"Bearer {usim.api_key}", "Content-Type": header},
                           encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 201 and b'"size_bytes": 12' in response.read()
    finally:
        connection.close()


def test_a_filename_in_rfc_5987_form_is_decoded(usim):
    body = (b'--b1\r\nContent-Disposition: form-data; name="file"; filename="x.txt"; '
            b"filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1--\r\n")
    response = ucall(usim, "POST", "/files", data=body, headers={"Content-Type": "multipart/form-data; boundary=b1"})
    assert response.status == 201 and response.json()["name"] == "résumé.txt"
    odd = body.replace(b"UTF-8''", b"x-nope''")
    assert ucall(usim, "POST", "/files", data=odd, headers={
        "Content-Type": "multipart/form-data; boundary=b1"}).status == 201
