"""Helpers for the tests that talk to ``hub serve`` with real Hugging Face clients on loopback.

``hf_offline_safe`` points huggingface_hub at temporary directories, with no stored token and no
Xet (ecohub takes LFS uploads); ``serving`` runs the application in a thread on a free port, with
``hub serve``'s settings; ``write_model`` makes a small model folder with a card; ``hub_cli`` and
``new_token`` run ``hub`` against a registry's ``{"url", "store"}``.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Iterator

import numpy as np

from hub.config import serve_settings
from hub.serve.app import create_app
from hub.serve.runner import in_thread
from hub.sharing.importing import register_files


def hf_offline_safe(monkeypatch, home: Path) -> None:
    """Configure huggingface_hub for tests: caches in ``home``, no token, plain HTTP, online."""
    from huggingface_hub import constants
    from huggingface_hub.utils import disable_progress_bars

    for variable in ("HF_TOKEN", "HF_ENDPOINT", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    disable_progress_bars()


@contextlib.contextmanager
def serving(registry, **settings) -> Iterator[str]:
    """Serve ``registry``; ``settings`` are ``serve_settings``'s (``max_header_bytes``, ``max_body_bytes``,
    ``staging``), the environment's or the defaults otherwise."""
    with in_thread(create_app(registry, serve_settings(**settings))) as url:
        yield url


def card(license: str = "apache-2.0", base_model: str | None = None, datasets: tuple[str, ...] = ()) -> str:
    lines = ["---", f"license: {license}", "library_name: transformers", "pipeline_tag: feature-extraction"]
    if base_model:
        lines.append(f"base_model: {base_model}")
    if datasets:
        lines += ["datasets:"] + [f"- {name}" for name in datasets]
    return "\n".join(lines + ["---", "", "# A small test model", ""])


def write_model(folder: Path, *, license: str = "apache-2.0", base_model: str | None = None,
                datasets: tuple[str, ...] = ("wikitext",), weights_mb: float = 0.5, seed: int = 0) -> Path:
    """A model folder: a card, a config, a tokenizer file in a subfolder and safetensors weights."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(card(license, base_model, datasets))
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 8}))
    (folder / "tokenizer").mkdir(exist_ok=True)
    (folder / "tokenizer" / "vocab.txt").write_text("\n".join(f"token{i}" for i in range(100)))
    values = int(weights_mb * 1024 * 1024 / 4)
    rng = np.random.default_rng(seed)
    save_file({"weight": rng.standard_normal(values).astype(np.float32)}, str(folder / "model.safetensors"))
    return folder


def folder_files(folder: Path) -> dict[str, Path]:
    return {path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*")) if path.is_file()}


def register_folder(registry, name: str, folder: Path):
    return register_files(registry, name, folder_files(folder), source=f"test folder {folder.name}")


def hub_cli(paths: dict, *args: str) -> str:
    from click.testing import CliRunner

    from hub.cli import cli

    result = CliRunner().invoke(cli, ["--registry", paths["url"], "--store", paths["store"], *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def new_token(paths: dict, scope: str, *extra: str) -> str:
    return json.loads(hub_cli(paths, "token", "create", "--scope", scope, "--json", *extra))["token"]
