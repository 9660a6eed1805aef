"""Versions as a team relies on them: namespaces, commits, aliases, lineage, tags, references and the audit log."""

from __future__ import annotations

import hashlib
import re
import subprocess
import zipfile

import pytest
from sqlalchemy import select

from hub.errors import InvalidNameError, LicenseError, UnknownNameError, UnsafeArtifactError
from hub.registry import DatasetUse, Parent
from hub.registry import hashing
from hub.registry.pickles import PickleSniffer
from hub.registry.tables import Blob


@pytest.fixture
def nested(tmp_path):
    """Files in folders, as a Hugging Face repository has them."""
    folder = tmp_path / "repo"
    (folder / "tokenizer").mkdir(parents=True)
    (folder / "config.json").write_text('{"hidden": 8}')
    (folder / "model.safetensors").write_bytes(bytes(range(256)))
    (folder / "tokenizer" / "vocab.txt").write_text("a\nb\n")
    return {path.relative_to(folder).as_posix(): path for path in folder.rglob("*") if path.is_file()}


# -- names, commits and files -------------------------------------------------------------------


def test_namespaced_and_bare_names_live_side_by_side(registry, weights):
    registry.register_version("credit-risk", files=weights, license="mit")
    registry.register_version("acme/credit-risk", files=weights, license="mit")
    registry.register_version("acme/credit-risk", files=weights, license="mit")

    assert [(m.name, len(m.versions)) for m in registry.list_models()] == [("credit-risk", 1),
                                                                            ("acme/credit-risk", 2)]
    assert registry.resolve("acme/credit-risk:2").ref == "acme/credit-risk:2"


def test_commits_are_40_hex_and_chain_like_git(registry, weights):
    first = registry.register_version("churn", files=weights, license="mit")
    second = registry.register_version("churn", files=weights, license="mit")

    assert re.fullmatch(r"[0-9a-f]{40}", first.commit) and first.commit != second.commit


def test_file_and_tree_ids_are_the_ones_git_computes(nested, tmp_path):
    repo = tmp_path / "git"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for path, source in nested.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(source.read_bytes())
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    tree = subprocess.run(["git", "-C", str(repo), "write-tree"], check=True, capture_output=True, text=True)
    blobs = {path: subprocess.run(["git", "hash-object", str(source)], check=True, capture_output=True,
                                  text=True).stdout.strip() for path, source in nested.items()}

    scans = {path: hashing.scan(source) for path, source in nested.items()}

    assert {path: scan.git_sha1 for path, scan in scans.items()} == blobs
    assert hashing.tree_id(blobs) == tree.stdout.strip()


def test_registering_returns_what_reading_gives_back(registry, nested):
    registered = registry.register_version("acme/tiny", files=nested, license="apache-2.0", tags={"team": "nlp"},
                                           metrics={"test": {"accuracy": 0.5}}, config={"layers": 2})

    assert registry.get_version("acme/tiny") == registered


def test_the_registering_person_is_recorded(registry, weights, monkeypatch):
    monkeypatch.setenv("HUB_USER", "ana")

    assert registry.register_version("churn", files=weights, license="mit").created_by == "ana"


@pytest.mark.parametrize("tags, message", [
    ({"": "x"}, "not a valid tag key"),
    ({"team name": "x"}, "not a valid tag key"),
    ({"team": "x\ny"}, "is not valid"),
    ({"team": "x" * 257}, "is not valid"),
])
def test_bad_tags_are_refused(registry, weights, tags, message):
    with pytest.raises(InvalidNameError, match=message):
        registry.register_version("churn", files=weights, license="mit", tags=tags)


def test_a_version_needs_files(registry):
    with pytest.raises(Exception, match="needs at least one file"):
        registry.register_version("churn", files={}, license="mit")


# -- pickles ------------------------------------------------------------------------------------


def sniff(path) -> bool:
    sniffer = PickleSniffer(path.name)
    sniffer.feed(path.read_bytes())
    return sniffer.is_pickle(path)


def test_pickles_are_recognised_by_name_and_by_bytes(tmp_path):
    torch_zip = tmp_path / "pytorch_model.bin"
    with zipfile.ZipFile(torch_zip, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    skops = tmp_path / "model.skops"
    with zipfile.ZipFile(skops, "w") as archive:
        archive.writestr("schema.json", "{}")
    raw = tmp_path / "weights.bin"
    raw.write_bytes(b"\x80\x04\x95")
    named = tmp_path / "model.joblib"
    named.write_bytes(b"anything")
    safe = tmp_path / "model.safetensors"
    safe.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")

    assert [sniff(path) for path in (torch_zip, skops, raw, named, safe)] == [True, False, True, True, False]


def test_a_pickle_is_refused_unless_allowed(registry, tmp_path):
    pickled = tmp_path / "model.pt"
    pickled.write_bytes(b"\x80\x02}q\x00.")

    with pytest.raises(UnsafeArtifactError, match="model.pt is pickle-based"):
        registry.register_version("legacy", files={"model.pt": pickled}, license="mit")
    version = registry.register_version("legacy", files={"model.pt": pickled}, license="mit", allow_pickle=True)

    assert version.files[0].pickle
    assert registry.audit_log("legacy")[0].details["pickle_files"] == ["model.pt"]


# -- blobs and their references ------------------------------------------------------------------


def test_reference_counts_follow_files_and_reports(registry, weights, tmp_path):
    copy = tmp_path / "copy.safetensors"
    copy.write_bytes(weights["model.safetensors"].read_bytes())
    registry.register_version("churn", files={**weights, "again.safetensors": copy}, license="mit")
    registry.register_version("fraud", files=weights, license="mit")
    report = registry.add_report("churn", 1, evaluator="fairness", kind="fairness", plugin="p", dataset="d",
                                 body={"ok": True})

    with registry.engine.connect() as connection:
        counts = dict(connection.execute(select(Blob.__table__.c.sha256, Blob.__table__.c.refcount)).all())

    weights_sha = hashlib.sha256(copy.read_bytes()).hexdigest()
    assert counts == {weights_sha: 3, report.sha256: 1}
    assert registry.referenced_blobs() == {weights_sha, report.sha256}


def test_a_failed_pull_leaves_the_destination_as_it_was(registry, weights, tmp_path):
    version = registry.register_version("churn", files=weights, license="mit")
    destination = tmp_path / "out"
    destination.mkdir()
    (destination / "notes.txt").write_text("mine")
    path = registry.store.path(version.files[0].sha256)
    path.write_bytes(b"damaged")

    with pytest.raises(Exception, match="churn:1/model.safetensors"):
        registry.export_files("churn", 1, destination)

    assert sorted(p.name for p in destination.iterdir()) == ["notes.txt"]


# -- aliases ------------------------------------------------------------------------------------


def test_an_alias_names_a_version_until_it_moves(registry, weights):
    for _ in range(3):
        registry.register_version("churn", files=weights, license="mit")

    registry.set_alias("churn", "staging", 2)
    assert registry.resolve("churn@staging").version == 2
    moved = registry.set_alias("churn", "staging")

    assert (moved.version, moved.aliases) == (3, ["staging"])
    assert registry.get_version("churn", 2).aliases == []
    assert registry.get_model("churn").aliases == {"staging": 3}
    assert [e.details["previous"] for e in registry.audit_log("churn@staging")] == [2, None]


def test_removing_an_alias(registry, weights):
    registry.register_version("churn", files=weights, license="mit")
    registry.set_alias("churn", "staging")

    registry.remove_alias("churn", "staging")

    with pytest.raises(UnknownNameError, match="Model 'churn' has no alias 'staging'."):
        registry.resolve("churn@staging")
    assert registry.audit_log("churn")[0].action == "alias.remove"


@pytest.mark.parametrize("alias", ["", "3", "..", "pro duction", "a/b"])
def test_bad_aliases_are_refused(registry, weights, alias):
    registry.register_version("churn", files=weights, license="mit")

    with pytest.raises(InvalidNameError):
        registry.set_alias("churn", alias)


@pytest.mark.parametrize("ref, message", [
    ("churn:x", "is not NAME, NAME:VERSION or NAME@ALIAS"),
    ("churn:1@staging", "names both a version and an alias"),
    ("../churn", "is not a valid model name"),
])
def test_bad_references_are_refused(registry, ref, message):
    with pytest.raises(InvalidNameError, match=re.escape(message)):
        registry.resolve(ref)


# -- lineage ------------------------------------------------------------------------------------


@pytest.fixture
def family(registry, weights):
    """llama (external) -> acme/base -> acme/Llama-chat -> acme/Llama-chat-q4, with a dataset on the chat model."""
    registry.register_version("acme/base", files=weights, license="llama3.1",
                              lineage=[Parent("hf:meta-llama/Llama-3.1-8B@0e9e39f", license="llama3.1")])
    registry.register_version("acme/Llama-chat", files=weights, license="llama3.1",
                              lineage=[Parent("acme/base"),
                                       Parent("hf:datasets/acme/chats@77aa", kind="dataset", relation="trained_on",
                                              license="cc-by-4.0")])
    registry.register_version("acme/Llama-chat-q4", files=weights, license="llama3.1",
                              lineage=[Parent("acme/Llama-chat:1", relation="quantized")])
    return registry


def test_lineage_walks_up_and_down_at_any_depth(family):
    found = family.lineage("acme/Llama-chat")

    assert [(e.depth, e.child, e.relation, e.parent, e.internal) for e in found.ancestors] == [
        (1, "acme/Llama-chat:1", "finetune", "acme/base:1", True),
        (1, "acme/Llama-chat:1", "trained_on", "hf:datasets/acme/chats@77aa", False),
        (2, "acme/base:1", "finetune", "hf:meta-llama/Llama-3.1-8B@0e9e39f", False),
    ]
    assert [(e.depth, e.child, e.relation) for e in found.descendants] == [
        (1, "acme/Llama-chat-q4:1", "quantized")]


def test_a_version_lists_its_parents(family):
    assert [(e.parent, e.relation, e.kind, e.license) for e in family.get_version("acme/Llama-chat").lineage] == [
        ("acme/base:1", "finetune", "model", "llama-3.1-license-2024"),
        ("hf:datasets/acme/chats@77aa", "trained_on", "dataset", "cc-by-4.0"),
    ]


def test_a_parent_alias_is_pinned_to_its_version_at_registration(registry, weights):
    registry.register_version("acme/base", files=weights, license="mit")
    registry.set_alias("acme/base", "staging")

    child = registry.register_version("acme/tuned", files=weights, license="mit",
                                      lineage=[Parent("acme/base@staging")])
    registry.register_version("acme/base", files=weights, license="mit")
    registry.set_alias("acme/base", "staging")

    assert child.lineage[0].parent == "acme/base:1"


def test_training_datasets_become_lineage(registry, weights):
    use = DatasetUse("german-credit", "datasets", "cc-by-4.0", "train", 1000, "a" * 64)
    version = registry.register_version("credit-risk", files=weights, license="cc-by-4.0", datasets=[use])

    assert [(e.parent, e.relation, e.kind, e.internal) for e in version.lineage] == [
        ("german-credit", "trained_on", "dataset", True)]


@pytest.mark.parametrize("parent, error, message", [
    (Parent("acme/missing"), UnknownNameError, "No registered model named 'acme/missing'"),
    (Parent("acme/base:9"), UnknownNameError, "has no version 9"),
    (Parent("acme/base", relation="copied"), InvalidNameError, "'copied' is not a lineage relation"),
    (Parent("acme/base", relation="trained_on"), InvalidNameError, "cannot be a parent by 'trained_on'"),
    (Parent("german-credit", kind="dataset"), InvalidNameError, "cannot be a parent by 'finetune'"),
    (Parent("acme/base", license="mit"), LicenseError, "already known"),
    (Parent("hf:not a repo"), InvalidNameError, "not a reference ecohub understands"),
    (Parent("hf:org/x", license="apache2"), LicenseError, "Unknown license id 'apache2'"),
])
def test_bad_parents_are_refused_before_anything_is_stored(registry, weights, parent, error, message):
    registry.register_version("acme/base", files=weights, license="mit")

    with pytest.raises(error, match=re.escape(message)):
        registry.register_version("acme/child", files=weights, license="mit", lineage=[parent])

    assert [m.name for m in registry.list_models()] == ["acme/base"]


def test_the_audit_log_says_who_did_what_and_when(registry, weights):
    registry.register_version("churn", files=weights, license="mit", actor="ana")
    registry.set_alias("churn", "staging", actor="bo")

    events = registry.audit_log()

    assert [(e.actor, e.action, e.target) for e in events] == [("bo", "alias.set", "churn@staging"),
                                                                ("ana", "version.register", "churn:1")]
    assert events[0].at >= events[1].at
