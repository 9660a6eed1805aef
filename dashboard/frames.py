"""Tables the pages show, built from registry records and report bodies as pandas DataFrames."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from hub.registry import ModelRecord, VersionRecord

KEY_METRICS = ("accuracy", "roc_auc", "f1")
METRIC_LABELS = {"accuracy": "Accuracy", "roc_auc": "ROC AUC", "f1": "F1", "precision": "Precision",
                 "recall": "Recall", "log_loss": "Log loss"}


def format_value(value: Any) -> str:
    """A feature value as a person reads it: whole numbers without decimals, others to 6 significant digits."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.6g}"
    return str(value)


def metric_label(key: str) -> str:
    return METRIC_LABELS.get(key, key.replace("_", " ").capitalize())


def trained_on(version: VersionRecord) -> str:
    names = [use.dataset for use in version.datasets if use.role == "train"]
    return ", ".join(names) or str(version.config.get("dataset", "—"))


def reports_of(version: VersionRecord) -> str:
    return ", ".join(sorted({report.evaluator for report in version.reports})) or "none"


def _version_row(version: VersionRecord) -> dict[str, Any]:
    test = version.metrics.get("test", {})
    return {
        "Model": version.model,
        "Version": version.version,
        "License": version.license,
        "Model type": version.model_type,
        "Trained on": trained_on(version),
        **{f"Test {metric_label(key)}": test.get(key) for key in KEY_METRICS},
        "Reports": reports_of(version),
        "Registered": f"{version.created_at:%Y-%m-%d %H:%M} UTC",
    }


def models_frame(models: Sequence[ModelRecord]) -> pd.DataFrame:
    """One row per model, describing its latest version."""
    rows = []
    for model in models:
        if model.latest is None:
            continue
        row = _version_row(model.latest)
        row["Version"] = f"v{model.latest.version} of {len(model.versions)}"
        rows.append(row)
    return pd.DataFrame(rows)


def versions_frame(models: Sequence[ModelRecord]) -> pd.DataFrame:
    """Every version of every model, newest first within each model."""
    return pd.DataFrame([_version_row(v) for m in models for v in reversed(m.versions)])


def metrics_frame(metrics: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Metrics as rows, splits (``train``, ``test``) as columns."""
    present = {key for values in metrics.values() for key in values}
    keys = [key for key in METRIC_LABELS if key in present] + sorted(present - set(METRIC_LABELS))
    frame = pd.DataFrame({split: [metrics[split].get(key) for key in keys] for split in sorted(metrics, reverse=True)},
                         index=[metric_label(key) for key in keys])
    frame.index.name = "Metric"
    return frame


def groups_frame(feature: Mapping[str, Any], min_group_size: int | None) -> pd.DataFrame:
    """The by-group table of one sensitive feature, with the overall row last."""
    def row(group: Mapping[str, Any], name: str, total: int) -> dict[str, Any]:
        enough = group.get("sufficient", True)
        return {
            "Group": name,
            "Count": group.get("count"),
            "Share": group["count"] / total if total and group.get("count") is not None else None,
            "Selection rate": group.get("selection_rate"),
            "Accuracy": group.get("accuracy"),
            "TPR": group.get("tpr"),
            "FPR": group.get("fpr"),
            "Enough data": "yes" if enough else f"no (< {min_group_size} positives or negatives)" if min_group_size else "no",
        }

    groups = feature.get("groups", [])
    total = sum(g.get("count") or 0 for g in groups)
    rows = [row(g, str(g["group"]), total) for g in groups]
    if feature.get("overall"):
        rows.append(row({"sufficient": True, "count": total, **feature["overall"]}, "(all rows)", total))
    return pd.DataFrame(rows)


def contributions_frame(explanation: Mapping[str, Any]) -> pd.DataFrame:
    """A local explanation's feature values and SHAP values, largest effect first."""
    rows = [{"Feature": c["feature"], "Value": format_value(c["value"]), "SHAP": c["shap"]}
            for c in explanation["contributions"]]
    return pd.DataFrame(rows).sort_values("SHAP", key=abs, ascending=False, ignore_index=True)
