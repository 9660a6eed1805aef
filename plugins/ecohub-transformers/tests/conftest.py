"""Tiny slices of real SMS messages and the packaged MiniLM, shared by this plugin's tests."""

import pytest


@pytest.fixture(scope="session")
def sms():
    """32 messages (8 spam), with their labels as class indices into ("ham", "spam")."""
    import os
    from pathlib import Path

    import pandas as pd

    table = pd.read_csv(Path(os.environ.get("HUB_DATA_DIR", "../shared/data")) / "sms_spam.csv.gz")
    rows = pd.concat([table[table.label == "spam"].head(8), table[table.label == "ham"].head(24)])
    rows = rows.sample(frac=1, random_state=0).reset_index(drop=True)
    return rows[["text"]], (rows.label == "spam").to_numpy().astype("int64")


@pytest.fixture(scope="session")
def minilm():
    from ecohub_transformers.base_models import minilm_files

    return minilm_files()


@pytest.fixture(scope="session")
def base_model(minilm, tmp_path_factory):
    """MiniLM registered in a registry of its own, as ``hub train --base`` hands it to the trainer."""
    from hub.registry import Registry
    from hub.specs import BaseModel

    from ecohub_transformers.base_models import MINILM

    folder = tmp_path_factory.mktemp("registry")
    registry = Registry(f"sqlite:///{folder / 'registry.db'}", folder / "store")
    files = {p.relative_to(minilm).as_posix(): p for p in minilm.rglob("*") if p.is_file()}
    version = registry.register_version(MINILM.name, files=files, license=MINILM.license)
    registry.close()
    return BaseModel(version, minilm)


@pytest.fixture
def tiny():
    """One optimiser step on short inputs: enough to exercise every path, in seconds."""
    return {"max_length": 16, "max_steps": 1, "batch_size": 8, "validation_fraction": 0.0}
