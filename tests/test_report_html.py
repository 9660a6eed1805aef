"""``hub report MODEL --html FILE``: one self-contained page, offline, escaping whatever the data holds."""

from __future__ import annotations

import re

from click.testing import CliRunner

from hub.cli import cli
from hub.registry import DatasetUse, Registry

ROWS = "b" * 64
EVIL = "<script>alert(1)</script>"
FAIRNESS = {
    "bootstrap": {"resamples": 1000, "confidence": 0.95},
    "features": [{
        "feature": "sex", "demographic_parity_ratio": 0.62, "intervals": {"demographic_parity_ratio": [0.5, 0.75]},
        "groups": [
            {"group": EVIL, "count": 40, "positives": 20, "negatives": 20, "selection_rate": 0.3,
             "intervals": {"selection_rate": [0.2, 0.4]}, "accuracy": 0.7, "tpr": 0.5, "fpr": 0.1, "sufficient": False},
            {"group": "male", "count": 160, "positives": 80, "negatives": 80, "selection_rate": 0.48,
             "intervals": {"selection_rate": [0.4, 0.56]}, "accuracy": 0.8, "tpr": 0.7, "fpr": 0.2, "sufficient": True},
        ],
        "verdicts": [{"rule": "four-fifths rule", "metric": "demographic_parity_ratio", "op": ">=", "threshold": 0.8,
                      "value": 0.62, "low": 0.5, "high": 0.75, "verdict": "fail", "reading": "Fails: 0.62 < 0.8."}],
    }],
    "thresholds": {"grid": [0.0, 0.5, 1.0], "decide": "1 when the score is at least the threshold",
                   "features": [{"feature": "sex", "groups": [{"group": EVIL, "selection_rate": [1.0, 0.3, 0.0]},
                                                             {"group": "male", "selection_rate": [1.0, None, 0.0]}]}]},
    "warnings": ["'sex' is also a model input"],
    "provenance": {"scope": "held-out split of the training dataset", "rows": 200, "bins": {}},
}


def test_report_is_one_offline_file_with_the_canonical_verdicts(tmp_path):
    url, store = f"sqlite:///{tmp_path / 'registry.db'}", tmp_path / "store"
    registry = Registry(url, store)
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    registry.register_version("credit", files={"model.safetensors": tmp_path / "model.safetensors"},
                              license="mit", datasets=[DatasetUse("loans", "core", "mit", "train", 800, ROWS)])
    registry.add_report("credit", 1, evaluator="fairlearn", kind="fairness", plugin="fairlearn", dataset="loans",
                        body=FAIRNESS, role="canonical", rows_sha256=ROWS, sensitive=["sex"])
    registry.add_report("credit", 1, evaluator="fairlearn", kind="fairness", plugin="fairlearn", dataset="loans",
                        body={"features": []}, role="overlap", rows_sha256="c" * 64, sensitive=["sex"])
    registry.close()

    result = CliRunner().invoke(cli, ["--registry", url, "--store", str(store), "report", "credit",
                                      "--html", str(tmp_path / "credit.html")])
    page = (tmp_path / "credit.html").read_text()

    assert result.exit_code == 0, result.output
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert set(re.findall(r"https?://[^\"' )]+", page)) == {"http://www.w3.org/2000/svg"}
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<span class="fail">fail</span>' in page and "Fails: 0.62 &lt; 0.8." in page
    assert "Ready for @production: <b class=\"fail\">no</b>" in page
    assert "<td>overlap</td>" in page and "they decide no verdict" in page
    assert not list(tmp_path.glob(".credit.html.*"))
