"""The datasets as the hub sees them: found through the entry point, loaded, and refused when
their files are missing or altered."""

import os
import shutil
from pathlib import Path

import pytest

from hub.errors import DatasetUnavailableError, IntegrityError
from hub.jobs.data import load_labelled
from hub.plugins import load_plugins

EXPECTED_ROWS = {"german-credit": 1000, "adult": 48842, "compas": 6172, "sms-spam": 5574,
                 "mlma-hate-speech": 5647, "mlma-hostility": 5647}


@pytest.fixture(scope="module")
def plugins():
    return load_plugins()


@pytest.fixture(scope="module")
def specs(plugins):
    return {name: plugins.get("datasets", name).spec for name in EXPECTED_ROWS}


def test_entry_point_is_found_and_healthy(plugins):
    info = plugins.infos["datasets"]
    assert info.package == "ecohub-datasets"
    assert info.status == "ok", info.errors
    assert info.provides == {"dataset": list(EXPECTED_ROWS)}


@pytest.mark.parametrize("name", EXPECTED_ROWS)
def test_dataset_loads_with_its_declared_columns(specs, name):
    spec = specs[name]
    table = spec.load()
    features = spec.feature_columns(table.columns)
    assert len(table) == EXPECTED_ROWS[name]
    assert {spec.target, *spec.sensitive_features, *spec.drop_columns, *features} <= set(table.columns)
    assert spec.target not in features
    assert not set(spec.drop_columns) & set(features)
    assert spec.positive_label is None or (table[spec.target] == spec.positive_label).any()
    assert spec.description and spec.source


@pytest.mark.parametrize("name, text, classes", [
    ("sms-spam", "text", ("ham", "spam")),
    ("mlma-hate-speech", "tweet", ("normal", "toxic")),
    ("mlma-hostility", "tweet", ("abusive", "disrespectful", "fearful", "hateful", "normal", "offensive")),
])
def test_text_datasets_have_their_text_column_and_classes(specs, name, text, classes):
    table = load_labelled(specs[name])
    assert specs[name].task == "text-classification"
    assert specs[name].feature_columns(table.frame.columns) == [text]
    assert table.classes == classes


def test_mlma_toxicity_is_the_authors_binary_task(specs):
    table = specs["mlma-hate-speech"].load()
    assert (table["toxicity"] == "normal").sum() == 661
    assert ((table["toxicity"] == "normal") == (table["sentiment"] == "normal")).all()
    assert specs["mlma-hate-speech"].sensitive_features == ("target", "group")


def test_mlma_hostility_keeps_the_most_severe_type(specs):
    table = specs["mlma-hostility"].load()
    by_label = dict(zip(table["sentiment"], table["hostility"]))
    assert by_label["offensive_hateful"] == "hateful"
    assert by_label["offensive_normal"] == "offensive"
    assert by_label["normal"] == "normal"


def test_age_is_binned_where_fairness_reports_group_it(specs):
    assert specs["german-credit"].bins == {"age": (25, 60)}
    assert specs["adult"].bins == {"age": (25, 60)}


def test_adult_split_column_is_not_a_feature(specs):
    table = specs["adult"].load()
    assert "split" not in specs["adult"].feature_columns(table.columns)
    assert table["workclass"].isna().sum() == 2799


def test_compas_features_leave_out_scores_and_later_records(specs):
    features = set(specs["compas"].features)
    assert not features & {"decile_score", "score_text", "v_decile_score", "is_recid", "two_year_recid"}
    assert not any(column.startswith(("r_", "vr_")) for column in features)
    assert {"name", "first", "last", "dob"} <= set(specs["compas"].drop_columns)


def test_german_credit_needs_no_data_dir(specs, monkeypatch):
    monkeypatch.delenv("HUB_DATA_DIR", raising=False)
    assert len(specs["german-credit"].load()) == 1000


def test_unset_data_dir_says_what_to_set(specs, monkeypatch):
    monkeypatch.delenv("HUB_DATA_DIR", raising=False)
    with pytest.raises(DatasetUnavailableError, match="adult.csv.gz") as error:
        specs["adult"].load()
    assert "HUB_DATA_DIR" in error.value.hint


def test_missing_file_names_the_file_and_the_folder(specs, monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetUnavailableError, match="compas_two_years.csv.gz") as error:
        specs["compas"].load()
    assert str(tmp_path) in error.value.message
    assert "HUB_DATA_DIR" in error.value.hint


def test_tampered_file_is_refused(specs, monkeypatch, tmp_path):
    tampered = tmp_path / "compas_two_years.csv.gz"
    shutil.copyfile(Path(os.environ["HUB_DATA_DIR"]) / tampered.name, tampered)
    data = bytearray(tampered.read_bytes())
    data[-1] ^= 0xFF
    tampered.write_bytes(bytes(data))
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    with pytest.raises(IntegrityError, match="compas_two_years.csv.gz"):
        specs["compas"].load()

