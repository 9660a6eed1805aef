"""The registry's commands, as a person types them: register, search, versions, lineage, alias, pull, card, license."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest



@pytest.fixture
def folder(tmp_path):
    """A model as it sits on disk, with a file in a subfolder and git's own folder to leave out."""
    root = tmp_path / "model"
    (root / "tokenizer").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "config.json").write_text('{"layers": 2}')
    (root / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    (root / "tokenizer" / "vocab.txt").write_text("a\nb\n")
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


@pytest.fixture
def family(hub, folder):
    """An external base, a registered fine-tune of it, and a quantized copy of that."""
    assert hub("register", str(folder), "--name", "acme/Llama-base", "--license", "llama3.1",
               "--base-model", "hf:meta-llama/Llama-3.1-8B@0e9e39f=llama3.1")[0] == 0
    assert hub("register", str(folder), "--name", "acme/Llama-chat", "--license", "llama3.1",
               "--base-model", "acme/Llama-base", "--dataset", "hf:datasets/acme/chats@77aa=cc-by-4.0",
               "--tag", "team=support", "--task", "text-generation")[0] == 0
    assert hub("register", str(folder), "--name", "acme/Llama-chat-q4", "--license", "llama3.1",
               "--base-model", "acme/Llama-chat:1", "--relation", "quantized")[0] == 0
    return hub


def test_register_prints_the_version_and_what_the_license_check_says(hub, folder):
    code, output = hub("register", str(folder), "--name", "acme/tuned", "--license", "apache-2.0",
                       "--base-model", "hf:google/gemma-2b@a1b2=gemma")

    assert code == 0
    assert output.startswith("Registered acme/tuned:1 (commit ")
    assert "3 files), license apache-2.0 AND gemma-tou-2024-04-01; license check: warn" in output
    assert "warn: hf:google/gemma-2b@a1b2 is licensed gemma-tou-2024-04-01" in output


def test_register_json_lists_the_files_without_git_folders(hub, folder):
    code, output = hub("register", str(folder), "--name", "churn", "--license", "mit", "--tag", "team=risk", "--json")

    version = json.loads(output)
    assert code == 0
    assert [f["path"] for f in version["files"]] == ["config.json", "model.safetensors", "tokenizer/vocab.txt"]
    assert version["tags"] == {"team": "risk"}
    assert version["license_check"]["verdict"] == "pass"


def test_register_refuses_a_license_failure_and_accepts_a_justification(hub, folder):
    args = ("register", str(folder), "--name", "acme/product", "--license", "mit",
            "--base-model", "hf:research/model@1=cc-by-nc-4.0")

    refused = hub(*args)
    accepted = hub(*args, "--justification", "Licensed separately under contract 42")

    assert refused[0] == 1 and "forbids commercial use" in refused[1] and "--justification" in refused[1]
    assert accepted[0] == 0 and "license check: fail" in accepted[1]


def test_a_tag_must_be_key_equals_value(hub, folder):
    code, output = hub("register", str(folder), "--name", "churn", "--license", "mit", "--tag", "team")

    assert code == 2 and "'team' is not KEY=VALUE" in output


def test_models_search_pages_through_results(family):
    code, output = family("models", "search", "ancestor:acme/Llama-base", "--limit", "1", "--json")
    page = json.loads(output)
    _, rest = family("models", "search", "ancestor:acme/Llama-base", "--after", page["next_cursor"], "--json")

    assert code == 0
    assert [m["name"] for m in page["models"]] == ["acme/Llama-chat"]
    assert [m["name"] for m in json.loads(rest)["models"]] == ["acme/Llama-chat-q4"]


def test_models_search_prints_a_table_and_the_next_page(family):
    code, output = family("models", "search", "name:acme/*", "--limit", "2")

    assert code == 0 and "acme/Llama-base" in output and "acme/Llama-chat" in output
    assert "More: hub models search 'name:acme/*' --after acme/Llama-chat" in output


def test_models_search_explains_a_syntax_error(family):
    code, output = family("models", "search", "colour:red")

    assert code == 1 and "Unknown search field 'colour'" in output


def test_versions_and_aliases(family):
    moved = family("alias", "set", "acme/Llama-chat:1", "staging")[1]
    assert moved.startswith("acme/Llama-chat@staging -> acme/Llama-chat:1")

    code, output = family("versions", "acme/Llama-chat", "--json")

    listing = json.loads(output)
    assert code == 0 and listing["aliases"] == {"staging": 1}
    assert listing["versions"][0]["tags"] == {"team": "support"}
    assert family("alias", "rm", "acme/Llama-chat", "staging") == (0, "Removed acme/Llama-chat@staging.\n")
    assert json.loads(family("versions", "acme/Llama-chat", "--json")[1])["aliases"] == {}


def test_alias_set_needs_a_version_not_an_alias(family):
    code, output = family("alias", "set", "acme/Llama-chat@staging", "production")

    assert code == 2 and "names an alias" in output


def test_lineage_json_has_ancestors_and_descendants(family):
    code, output = family("lineage", "acme/Llama-chat", "--json")

    found = json.loads(output)
    assert code == 0
    assert [(e["parent"], e["depth"]) for e in found["ancestors"]] == [
        ("acme/Llama-base:1", 1), ("hf:datasets/acme/chats@77aa", 1), ("hf:meta-llama/Llama-3.1-8B@0e9e39f", 2)]
    assert [e["child"] for e in found["descendants"]] == ["acme/Llama-chat-q4:1"]


def test_lineage_prints_both_directions(family):
    code, output = family("lineage", "acme/Llama-chat-q4:1")

    assert code == 0 and "Made from (acme/Llama-chat-q4:1)" in output
    assert "Made from it (acme/Llama-chat-q4:1): nothing recorded." in output


def test_pull_by_alias_writes_the_files(family, tmp_path):
    family("alias", "set", "acme/Llama-chat", "staging")

    code, output = family("pull", "acme/Llama-chat@staging", str(tmp_path / "out"))

    assert code == 0 and output.startswith("Pulled acme/Llama-chat:1")
    assert (tmp_path / "out" / "tokenizer" / "vocab.txt").read_text() == "a\nb\n"


def test_card_show_and_edit_from_a_file(family, tmp_path):
    code, card = family("card", "show", "acme/Llama-chat")
    edited = tmp_path / "README.md"
    edited.write_text(card.replace("# acme/Llama-chat v1", "# Acme support chat"))

    saved = family("card", "edit", "acme/Llama-chat", "--file", str(edited))

    assert code == 0 and card.startswith("---\nlicense: llama3.1\n")
    assert saved == (0, "Saved the card of acme/Llama-chat:1.\n")
    assert "# Acme support chat" in family("card", "show", "acme/Llama-chat:1")[1]


def test_card_show_json_splits_front_matter_and_text(family):
    code, output = family("card", "show", "acme/Llama-chat", "--json")

    card = json.loads(output)
    assert code == 0 and card["metadata"]["base_model"] == "acme/Llama-base"
    assert card["body"].startswith("# acme/Llama-chat v1")


def test_audit_lists_who_did_what(family, monkeypatch):
    monkeypatch.setenv("HUB_USER", "ana")
    family("alias", "set", "acme/Llama-chat", "staging")

    code, output = family("audit", "acme/Llama-chat", "--json")

    events = json.loads(output)
    assert code == 0
    assert [(e["actor"], e["action"], e["target"]) for e in events][0] == ("ana", "alias.set", "acme/Llama-chat@staging")
    assert events[-1]["action"] == "version.register"


def test_license_check_prints_the_chain_and_fails_with_exit_1(hub, folder):
    hub("register", str(folder), "--name", "acme/research", "--license", "cc-by-nc-4.0")
    hub("register", str(folder), "--name", "acme/product", "--license", "mit", "--base-model", "acme/research",
        "--justification", "pending review")

    code, output = hub("license", "check", "acme/product")
    _, as_json = hub("license", "check", "acme/product", "--json")

    assert code == 1
    assert "acme/product:1 declares mit; concluded license mit AND cc-by-nc-4.0" in output
    assert "Verdict: fail" in output
    check = json.loads(as_json)
    assert (check["verdict"], check["concluded_license"]) == ("fail", "mit AND cc-by-nc-4.0")
    assert check["steps"][0]["findings"][0]["rule"] == "non-commercial"


def test_an_unknown_installed_dataset_is_named(hub, folder):
    code, output = hub("register", str(folder), "--name", "churn", "--license", "mit", "--dataset", "no-such-data")

    assert code == 1 and "No dataset named 'no-such-data'" in output


def test_help_lists_the_commands_without_loading_the_database_libraries():
    probe = ("import sys\nfrom hub.cli import cli\ntry:\n    cli(args=['--help'], prog_name='hub')\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in ('sqlalchemy', 'alembic', 'sqlmodel', 'license_expression') if m in sys.modules),"
             " file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert result.stderr.strip().splitlines()[-1] == "[]"
    for command in ("register", "versions", "lineage", "alias", "pull", "card", "license", "audit"):
        assert f"\n  {command} " in result.stdout
