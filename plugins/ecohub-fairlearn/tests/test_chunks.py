"""Count tables add up, so a file read in chunks gives the same report as its rows in memory."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from ecohub_datasets.datasets import ADULT
from ecohub_fairlearn.chunks import file_report, read_chunks
from ecohub_fairlearn.groups import grouper
from ecohub_fairlearn.report import fairness_report
from ecohub_fairlearn.table import BINARY, count_table
from hub.errors import EvaluationError

BINS = {"age": (25, 60)}


@pytest.fixture(scope="module")
def decisions(tmp_path_factory, fit):
    """Adult's test rows with a real model's decisions and scores, as CSV and Parquet files."""
    table = ADULT.load()
    y = (table.pop("income") == ">50K").to_numpy().astype("int64")
    train = (table.pop("split") == "train").to_numpy()
    model = fit(table[train][:3000], y[train][:3000])
    rows = table[~train].reset_index(drop=True)
    score = model.predict_proba(rows)[:, 1]
    frame = pd.DataFrame({"truth": y[~train], "decision": (score >= 0.5).astype(int), "score": score,
                          "sex": rows["sex"], "race": rows["race"], "age": rows["age"]})
    folder = tmp_path_factory.mktemp("decisions")
    frame.to_csv(folder / "decisions.csv.gz", index=False)
    frame.to_parquet(folder / "decisions.parquet", row_group_size=2000)
    return frame, folder


def in_memory(frame, seed=0):
    sensitive = frame[["sex", "race", "age"]]
    groupers = {c: grouper(sensitive[c], c, BINS, {}) for c in sensitive.columns}
    table = count_table(sensitive, groupers, BINARY, frame["truth"], frame["decision"], frame["score"])
    return fairness_report(table, groupers, seed=seed)


@pytest.mark.parametrize("name", ["decisions.csv.gz", "decisions.parquet"])
def test_a_file_read_in_chunks_gives_the_report_of_its_rows_in_memory(decisions, name):
    frame, folder = decisions
    chunks = list(read_chunks(folder / name, ["truth", "sex"], chunk_rows=3000))
    assert len(chunks) == 6 and max(len(c) for c in chunks) == 3000 and list(chunks[0].columns) == ["truth", "sex"]
    report = file_report(folder / name, truth="truth", decision="decision", score="score",
                         sensitive=["sex", "race", "age"], bins=BINS, chunk_rows=3000)
    expected = in_memory(frame)
    for key in ("features", "intersections", "thresholds", "calibration"):
        assert report[key] == expected[key]


def test_row_order_does_not_change_any_interval(decisions):
    frame, _ = decisions
    shuffled = frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert in_memory(shuffled)["features"] == in_memory(frame)["features"]


def test_the_command_writes_and_prints_the_report(decisions, tmp_path):
    from hub.cli import cli

    frame, folder = decisions
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, [
        "fairness", str(folder / "decisions.parquet"), "--truth", "truth", "--decision", "decision",
        "--score", "score", "--sensitive", "sex,race,age", "--bins", "age=25,60", "--out", str(out),
    ])
    assert result.exit_code == 0, result.output
    assert "sex × race" in result.output and "four-fifths rule" in result.output
    assert json.loads(out.read_text())["features"] == in_memory(frame)["features"]


def test_labels_are_read_with_the_positive_label(decisions, tmp_path):
    frame, _ = decisions
    labelled = frame.assign(truth=np.where(frame["truth"] == 1, ">50K", "<=50K"),
                            decision=np.where(frame["decision"] == 1, ">50K", "<=50K"))
    labelled.to_csv(tmp_path / "labelled.csv", index=False)
    report = file_report(tmp_path / "labelled.csv", truth="truth", decision="decision", sensitive=["sex"],
                         positive_label=">50K")
    assert report["features"][0]["groups"] == in_memory(frame)["features"][0]["groups"]
    with pytest.raises(EvaluationError, match="values other than 0 and 1"):
        file_report(tmp_path / "labelled.csv", truth="truth", decision="decision", sensitive=["sex"])


def test_a_missing_column_or_an_unknown_format_is_a_clear_error(decisions, tmp_path):
    _, folder = decisions
    with pytest.raises(EvaluationError, match="no column 'gender'") as caught:
        file_report(folder / "decisions.parquet", truth="truth", decision="decision", sensitive=["gender"])
    assert "sex" in caught.value.hint
    (tmp_path / "rows.json").write_text("{}")
    with pytest.raises(EvaluationError, match="neither Parquet nor CSV"):
        file_report(tmp_path / "rows.json", truth="truth", decision="decision", sensitive=["sex"])
