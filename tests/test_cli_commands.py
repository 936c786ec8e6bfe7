"""`kgp-tui COMMAND …` in scripts, as subprocesses against the simulator on both surfaces: the issue's done-means
commands, one JSON document on stdout, progress on stderr, and the key never printed."""

from __future__ import annotations

import subprocess
import sys

from support import TEST_KEY
from support.cli import ROOT, clean, cli_env, one_json, run_cli

QUICKSTART = ("create", "slides_video", "--prompt", "Explain how transformer attention works in 6 pages",
              "--set", "language=en", "--set", "aspect_ratio=16:9", "--set", "scene_count=6", "--wait", "--json")
UNIFIED_QUICKSTART = ("create", "video", "--prompt", "Explain attention", "--wait", "--json")


def test_the_quickstart_is_one_command_and_prints_the_ready_detail(surface_sim, tmp_path):
    env = cli_env(surface_sim, tmp_path)
    result = run_cli(env, *(QUICKSTART if surface_sim.surface == "v1" else UNIFIED_QUICKSTART))
    assert result.returncode == 0, result.stderr
    clean(result)
    detail = one_json(result)
    assert detail["status"] == "ready"
    if surface_sim.surface == "v1":
        assert detail["main_url"] == detail["artifacts"][0]["url"]  # the media host's own URL, served for real
        assert detail["main_url"].startswith(surface_sim.media_origin)
        assert len(detail["scenes"]) == 6 and detail["language"] == "en"
    else:
        assert {o["kind"] for o in detail["outputs"]} >= {"video"} and all(o["url"] for o in detail["outputs"])
    lines = result.stderr.splitlines()
    assert len(lines) >= 3 and "100%" in lines[-1]  # one line per change, not a bar: stderr is no terminal
    assert lines[0].startswith("creation ")

    creation_id = str(detail["creation_id"])
    got = run_cli(env, "get", creation_id, "--json")
    assert got.returncode == 0 and one_json(got)["status"] == "ready"
    listed = run_cli(env, "list", "--limit", "5", "--json")
    assert listed.returncode == 0
    assert creation_id in [str(item["creation_id"]) for item in one_json(listed)]
    waited = run_cli(env, "wait", creation_id)
    assert waited.returncode == 0 and f"#{creation_id}" in waited.stdout and "ready" in waited.stdout
    clean(got), clean(listed), clean(waited)


def test_me_and_catalog_answer_with_the_servers_own_documents(surface_sim, tmp_path):
    env = cli_env(surface_sim, tmp_path)
    me = run_cli(env, "me")
    assert me.returncode == 0 and "kgp_test_5be1" in me.stdout and "create:   yes" in me.stdout
    catalog = run_cli(env, "--surface", surface_sim.surface, "catalog", "--json")
    assert catalog.returncode == 0
    document = one_json(catalog)
    assert "content_types" in document if surface_sim.surface == "v1" else "products" in document
    clean(me), clean(catalog)


def test_me_json_imports_no_textual(sim, tmp_path):
    probe = ("import sys\nfrom kgp_tui.__main__ import main\ncode = main(['me', '--json'])\n"
             "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
             "print(code, loaded, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", probe], env=cli_env(sim, tmp_path), capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.stderr.strip().splitlines()[-1] == "0 []"
    assert one_json(result)["display_name"]


def test_dry_run_prints_the_body_and_sends_nothing(surface_sim, tmp_path):
    env = cli_env(surface_sim, tmp_path)
    product = "image"
    model = "gpt-image-1" if surface_sim.surface == "v1" else "gpt-image-2"
    result = run_cli(env, "create", product, "--prompt", "A lighthouse", "--set", f"image_generation.model={model}",
                     "--set", "aspect_ratio=1:1", "--dry-run")
    assert result.returncode == 0, result.stderr
    body = one_json(result)
    nested = body["image_generation"] if surface_sim.surface == "v1" else body["image"]
    assert nested["model"] == model and body["prompt"] == "A lighthouse"
    posts = [entry for entry in surface_sim.request_log if entry[0] == "POST"]
    assert posts == []


def test_completion_scripts_are_accepted_by_the_shell(tmp_path, sim):
    env = cli_env(sim, tmp_path)
    bash = run_cli(env, "completion", "bash")
    assert bash.returncode == 0 and "create" in bash.stdout and "--dry-run" in bash.stdout
    assert "download" in bash.stdout  # every command, the downloads one too
    checked = subprocess.run(["bash", "-n"], input=bash.stdout, text=True, capture_output=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    for shell, marker in (("zsh", "#compdef kgp-tui"), ("fish", "complete -c kgp-tui")):
        script = run_cli(env, "completion", shell)
        assert script.returncode == 0 and marker in script.stdout
    assert TEST_KEY not in bash.stdout


def test_help_and_the_readme_document_the_exit_codes(tmp_path, sim):
    env = cli_env(sim, tmp_path)
    top = run_cli(env, "--help")
    create = run_cli(env, "create", "--help")
    scripting = (ROOT / "README.md").read_text(encoding="utf-8").split("## Scripting", 1)[1].split("\n## ", 1)[0]
    for code in ("0", "1", "2", "3", "4", "5", "130"):
        assert f" {code} " in top.stdout and f"\n  {code} " in create.stdout and f"\n| {code} |" in scripting
    assert top.returncode == create.returncode == 0
    assert "interrupted" in create.stdout and "not enough credits" in create.stdout


def test_hostile_server_text_is_printed_without_escapes(sim, tmp_path):
    env = cli_env(sim, tmp_path)
    sim.set_scenario("hostile_text")
    made = run_cli(env, "create", "slides_video", "--prompt", "Explain attention", "--wait")
    assert made.returncode == 0, made.stderr
    as_json = run_cli(env, "list", "--limit", "3", "--json")
    assert as_json.returncode == 0 and "[bold]" in one_json(as_json)[0]["title"]  # markup is data, kept literally
    assert "[bold]" in made.stdout  # and not rendered
    for result in (made, as_json):
        clean(result)  # …but never a raw escape on the terminal


def test_files_are_checked_then_uploaded_before_the_create(surface_sim, tmp_path):
    env = cli_env(surface_sim, tmp_path)
    notes = tmp_path / "notes.md"
    notes.write_text("# Attention\nQueries, keys and values.\n", encoding="utf-8")
    binary = tmp_path / "tool.exe"
    binary.write_bytes(b"MZ\x00\x00")
    args = ("create", "video" if surface_sim.surface == "unified" else "slides_video", "--prompt", "Explain it")
    dry = run_cli(env, *args, "--file", str(notes), "--dry-run")
    refused = run_cli(env, *args, "--file", str(binary))
    if surface_sim.surface == "v1":
        assert dry.returncode == refused.returncode == 2 and "takes no files" in dry.stderr
        return
    assert dry.returncode == 0 and one_json(dry)["input_file_ids"] == ["<id of notes.md>"]
    assert refused.returncode == 2 and "tool.exe" in refused.stderr
    assert not [entry for entry in surface_sim.request_log if entry[0] == "POST"]  # neither sent anything
    made = run_cli(env, *args, "--file", str(notes), "--json")
    assert made.returncode == 0, made.stderr
    assert one_json(made)["input_file_ids"] and "uploading notes.md" in made.stderr
    assert [path.rsplit("/", 1)[-1] for method, path, _ in surface_sim.request_log if method == "POST"] == [
        "files", "creations"]
