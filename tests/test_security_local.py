"""Issue 9, findings 2 and 4, on the person's own machine: what crosses between a folder and the registry.

Finding 4: ``hub register`` stored what a symbolic link to ``/etc/passwd`` pointed to. Links out of
the folder, dangling links and loops are now refused by name, special files are refused without
being opened, and ``--follow-symlinks`` is the explicit way to store what links point to.

Finding 2: ``hub pull`` into a git checkout wrote ``.git/config`` from a commit, and its
``core.fsmonitor`` ran on the next ``git status``. A registry written by an older server or
another tool may hold any path, so versions are forged here the way such a registry stores them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import tempfile

import pytest
from sqlalchemy import select, update
from test_registry_cli import folder  # noqa: F401  (the model folder, with a .git to leave out)
from test_sharing import hubs, server  # noqa: F401  (registries A, B and C; B served)

from hub.errors import InvalidNameError
from hub.registry import naming
from hub.registry.tables import ModelVersion, VersionFile


@contextlib.contextmanager
def no_hang(seconds: int = 30):
    """Fail instead of hanging when something opens a named pipe nobody writes to."""
    def expire(signum, frame):
        raise AssertionError(f"still running after {seconds} s: something opened a special file")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def registered(registry) -> list[str]:
    return [model.name for model in registry.list_models()]


def stored(store_dir) -> list[str]:
    return [path.name for path in store_dir.rglob("*") if path.is_file()] if store_dir.exists() else []


# -- finding 4: hub register and links -------------------------------------------------------------

@pytest.fixture
def secret(tmp_path):
    """A file outside the model folder, standing for /etc/passwd or a private key."""
    path = tmp_path / "outside" / "id_ed25519"
    path.parent.mkdir()
    path.write_text("PRIVATE KEY\n")
    return path


def link_to_file(root, secret):
    (root / "passwd").symlink_to(secret)
    return "passwd"


def link_to_a_link(root, secret):
    (secret.parent / "hop").symlink_to(secret)
    (root / "tokenizer" / "merges.txt").symlink_to(secret.parent / "hop")
    return "tokenizer/merges.txt"


def link_to_a_folder(root, secret):
    (root / "keys").symlink_to(secret.parent, target_is_directory=True)
    return "keys"


def relative_link_out(root, secret):
    (root / "weights.bin").symlink_to(os.path.relpath(secret, root))
    return "weights.bin"


@pytest.mark.parametrize("make_link", [link_to_file, link_to_a_link, link_to_a_folder, relative_link_out])
def test_register_refuses_a_link_out_of_the_folder_by_name_and_stores_nothing(hub, registry, store_dir, folder,  # noqa: F811
                                                                              secret, make_link):
    link = make_link(folder, secret)

    code, output = hub("register", str(folder), "--name", "acme/leak", "--license", "mit")

    assert code == 1
    assert f"'{link}' is a symbolic link to {secret.parent if link == 'keys' else secret}, outside" in output
    assert "--follow-symlinks" in output and "Traceback" not in output
    assert registered(registry) == [] and stored(store_dir) == []


def test_follow_symlinks_stores_what_a_link_out_points_to(hub, folder, secret):  # noqa: F811
    (folder / "keys").symlink_to(secret.parent, target_is_directory=True)

    code, output = hub("register", str(folder), "--name", "acme/linked", "--license", "mit", "--follow-symlinks",
                       "--json")

    assert code == 0, output
    assert "keys/id_ed25519" in [file["path"] for file in json.loads(output)["files"]]


def test_links_inside_the_folder_are_stored_as_their_targets_content(hub, registry, folder, tmp_path):  # noqa: F811
    (folder / "vocab.txt").symlink_to("tokenizer/vocab.txt")
    (folder / "tokenizer-copy").symlink_to("tokenizer", target_is_directory=True)

    code, output = hub("register", str(folder), "--name", "acme/inside", "--license", "mit", "--json")

    assert code == 0, output
    files = {file["path"]: file["sha256"] for file in json.loads(output)["files"]}
    assert sorted(files) == ["config.json", "model.safetensors", "tokenizer-copy/vocab.txt", "tokenizer/vocab.txt",
                             "vocab.txt"]
    assert files["vocab.txt"] == files["tokenizer/vocab.txt"] == files["tokenizer-copy/vocab.txt"]
    assert hub("pull", "acme/inside", str(tmp_path / "out"))[0] == 0
    assert not (tmp_path / "out" / "vocab.txt").is_symlink()
    assert (tmp_path / "out" / "vocab.txt").read_text() == "a\nb\n"


@pytest.mark.parametrize("target, says", [("missing.bin", "which does not exist or loops"),
                                          ("..", "a folder that holds it")])
def test_dangling_links_and_loops_are_refused_by_name(hub, registry, folder, target, says):  # noqa: F811
    (folder / "tokenizer" / "link").symlink_to(target)

    code, output = hub("register", str(folder), "--name", "acme/broken", "--license", "mit", "--follow-symlinks")

    assert code == 1 and "'tokenizer/link' is a symbolic link to " in output and says in output
    assert registered(registry) == []


def test_a_named_file_that_links_out_of_its_folder_is_refused(hub, registry, folder, secret):  # noqa: F811
    (folder / "passwd").symlink_to(secret)

    code, output = hub("register", str(folder / "passwd"), "--name", "acme/leak", "--license", "mit")

    assert code == 1 and "'passwd' is a symbolic link to" in output and registered(registry) == []


def test_special_files_are_refused_without_being_opened(hub, registry, folder, monkeypatch):  # noqa: F811
    os.mkfifo(folder / "pipe")
    (folder / "via-link").symlink_to("pipe")

    with no_hang():
        in_folder = hub("register", str(folder), "--name", "acme/pipe", "--license", "mit")
        named = hub("register", str(folder / "via-link"), "--name", "acme/pipe", "--license", "mit")
    os.unlink(folder / "pipe")
    os.unlink(folder / "via-link")
    with socket.socket(socket.AF_UNIX) as listening:
        monkeypatch.chdir(folder)  # a socket's path is limited to about 100 bytes: bind a short one
        listening.bind("sock")
        in_folder_socket = hub("register", str(folder), "--name", "acme/pipe", "--license", "mit")

    assert in_folder[0] == named[0] == in_folder_socket[0] == 1
    assert "'pipe' is not a regular file (it is a named pipe)" in in_folder[1]
    assert "'via-link' is not a regular file (it is a named pipe)" in named[1]
    assert "'sock' is not a regular file (it is a socket)" in in_folder_socket[1]
    assert registered(registry) == []


# -- reserved names, the same everywhere ------------------------------------------------------------

@pytest.mark.parametrize("path", ["../x", "a/../../x", "a/..", "/etc/passwd", "C:/x", "c:x", "a\\..\\x", "a\0b",
                                  "a\nb", "", "a//b", "./a", "a/", ".git/config", "sub/.git/hooks/pre-commit",
                                  ".GIT/config", ".git./config", ".git /config", "git~1/config", ".g\u200cit/config",
                                  ".git::$INDEX_ALLOCATION/config", ".cache/huggingface/x", "a" * 1001])
def test_validate_file_path_refuses_what_could_land_outside_or_in_git(path):
    with pytest.raises(InvalidNameError, match="is not a valid path for a file in a model version: "):
        naming.validate_file_path(path)


@pytest.mark.parametrize("path", ["model.safetensors", "tokenizer/vocab.txt", ".gitattributes", ".gitignore",
                                  "git/config", "a.git/b", "..weights", "x..y/z", "cache/x", "ünï/códe.bin"])
def test_validate_file_path_accepts_ordinary_paths(path):
    assert naming.validate_file_path(path) == path


def test_register_leaves_tool_metadata_out_and_refuses_other_reserved_paths(hub, registry, folder):  # noqa: F811
    (folder / ".cache" / "huggingface").mkdir(parents=True)
    (folder / ".cache" / "huggingface" / "download.lock").write_text("")
    (folder / "tokenizer" / ".git").write_text("gitdir: ../.git/modules/tokenizer\n")

    kept = hub("register", str(folder), "--name", "acme/clean", "--license", "mit", "--json")
    (folder / ".cache" / "weights.bin").write_bytes(b"\0" * 8)
    refused = hub("register", str(folder), "--name", "acme/cached", "--license", "mit")

    assert [file["path"] for file in json.loads(kept[1])["files"]] == ["config.json", "model.safetensors",
                                                                        "tokenizer/vocab.txt"]
    assert refused[0] == 1 and "'.cache/weights.bin' is not a valid path" in refused[1]
    assert "'.cache' is a folder git or Hugging Face tools keep for themselves" in refused[1]
    assert registered(registry) == ["acme/clean"]


# -- finding 2: hub pull, push and pull-remote never write where they must not -----------------------

def forge(registry, name: str, files: dict[str, bytes], tmp_path) -> None:
    """Register ``files`` under harmless names, then rename them in the database, as an older server
    or another tool could have stored them: the registry's own checks would refuse these names."""
    sources = {}
    for number, content in enumerate(files.values()):
        sources[f"file-{number}"] = tmp_path / f"forged-{number}"
        sources[f"file-{number}"].write_bytes(content)
    record = registry.register_version(name, files=sources, license="mit")
    names = dict(zip(sources, files))
    versions, version_files = ModelVersion.__table__, VersionFile.__table__
    with registry.engine.begin() as connection:
        version_id, manifest = connection.execute(
            select(versions.c.id, versions.c.manifest).where(versions.c.commit == record.commit)).one()
        manifest = {**manifest, "files": [{**file, "path": names[file["path"]]} for file in manifest["files"]]}
        connection.execute(update(versions).where(versions.c.id == version_id).values(manifest=manifest))
        for old, new in names.items():
            connection.execute(update(version_files).where(version_files.c.version_id == version_id,
                                                           version_files.c.path == old).values(path=new))
    assert sorted(file.path for file in registry.get_version(name).files) == sorted(files)


WEIGHTS = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "


def git(checkout, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True, check=True)


@pytest.fixture
def hostile_config(tmp_path):
    """A git config whose core.fsmonitor runs a command on ``git status``, and the file that command makes."""
    ran = tmp_path / "fsmonitor-ran"
    hook = tmp_path / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch '{ran}'\n")
    hook.chmod(0o755)
    config = f"[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tfsmonitor = {hook}\n".encode()
    # The attack is real with this git: the config, once in a checkout, runs its command.
    proof = tmp_path / "proof"
    git(tmp_path, "init", "-q", str(proof))
    (proof / ".git" / "config").write_bytes(config)
    git(proof, "status")
    assert ran.exists()
    ran.unlink()
    return config, ran


def test_pull_into_a_git_checkout_never_writes_git_config(hub, registry, tmp_path, hostile_config):
    config, ran = hostile_config
    forge(registry, "acme/trojan", {"model.safetensors": WEIGHTS, ".git/config": config}, tmp_path)
    checkout = tmp_path / "checkout"
    git(tmp_path, "init", "-q", str(checkout))
    before = (checkout / ".git" / "config").read_bytes()

    code, output = hub("pull", "acme/trojan", str(checkout))
    git(checkout, "status")

    assert code == 1 and "Nothing of acme/trojan:1 was written" in output and "'.git/config'" in output
    assert (checkout / ".git" / "config").read_bytes() == before
    assert not ran.exists()
    assert sorted(path.name for path in checkout.iterdir()) == [".git"]


@pytest.mark.parametrize("path", ["../escaped.txt", "nested/../../escaped.txt", "ESCAPED_ABSOLUTE", "a\\..\\x",
                                  "C:/escaped.txt", "nested/.GIT/config", ".cache/huggingface/x", "nul\0byte"])
def test_pull_refuses_a_path_that_leaves_the_folder_and_writes_nothing(hub, registry, tmp_path, path):
    if "\0" in path and registry.url.startswith("postgresql"):
        pytest.skip("PostgreSQL cannot store a NUL character, so no registry there holds one")
    path = path.replace("ESCAPED_ABSOLUTE", str(tmp_path / "escaped.txt"))
    forge(registry, "acme/escape", {"model.safetensors": WEIGHTS, path: b"overwritten"}, tmp_path)
    dest = tmp_path / "deep" / "dest"

    code, output = hub("pull", "acme/escape", str(dest))

    assert code == 1 and "Nothing of acme/escape:1 was written" in output and "Traceback" not in output
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "deep" / "escaped.txt").exists()
    assert not dest.exists() or list(dest.iterdir()) == []


def test_pull_refuses_to_write_through_a_link_already_in_the_folder(hub, registry, tmp_path):
    forge(registry, "acme/weights", {"weights/model.safetensors": WEIGHTS, "config.json": b"{}"}, tmp_path)
    dest, elsewhere = tmp_path / "dest", tmp_path / "elsewhere"
    dest.mkdir()
    elsewhere.mkdir()
    (dest / "weights").symlink_to(elsewhere, target_is_directory=True)

    code, output = hub("pull", "acme/weights", str(dest))

    assert code == 1 and "'weights/model.safetensors' would land in" in output
    assert list(elsewhere.iterdir()) == [] and sorted(path.name for path in dest.iterdir()) == ["weights"]


def test_push_refuses_a_version_holding_a_path_that_leaves_its_folder(hub, registry, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where an escape would land, to look
    (tmp_path / "tmp").mkdir()
    forge(registry, "acme/escape", {"model.safetensors": WEIGHTS, "../escaped.txt": b"x"}, tmp_path)

    code, output = hub("push", "acme/escape", "acme/escape", "--endpoint", "http://127.0.0.1:9")

    assert code == 1 and "Nothing of acme/escape:1 was written" in output
    assert list((tmp_path / "tmp").iterdir()) == []


def test_pull_remote_leaves_a_remotes_git_folder_out(server, hubs, tmp_path, hostile_config):  # noqa: F811
    url, _ = server
    config, _ = hostile_config
    forge(hubs["B"].registry, "team/trojan", {"model.safetensors": WEIGHTS, ".git/config": config}, tmp_path)

    pulled = json.loads(hubs["C"].cli("pull-remote", "team/trojan", "--as", "copies/trojan", "--endpoint", url,
                                      "--json"))

    # README.md is the card hub serve shows for a version stored without one (hub.sharing.record).
    assert [file["path"] for file in pulled["files"]] == ["README.md", "model.safetensors"]
