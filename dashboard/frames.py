"""Tables the pages show, built from registry records and report bodies as pandas DataFrames."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlencode

import pandas as pd

from hub.jobs.metrics import HEADLINE_METRICS
from hub.registry import ModelSummary, VersionRecord
from hub.registry.signoff import SignOff

# The headline metrics of every task (binary, multi-class, regression); a version has those of its own.
KEY_METRICS = tuple(dict.fromkeys(key for keys in HEADLINE_METRICS.values() for key in keys))
METRIC_LABELS = {"accuracy": "Accuracy", "roc_auc": "ROC AUC", "f1": "F1", "f1_macro": "Macro F1",
                 "precision": "Precision", "recall": "Recall", "log_loss": "Log loss", "mae": "MAE",
                 "rmse": "RMSE", "r2": "R²"}


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


def headline(version: VersionRecord) -> dict[str, float]:
    """The held-out headline metrics this version has, in :data:`KEY_METRICS` order."""
    test = version.metrics.get("test", {})
    return {key: test[key] for key in KEY_METRICS if test.get(key) is not None}


def aliases_text(aliases: Mapping[str, int]) -> str:
    """Where a model's aliases point, as ``production → v3, staging → v4``."""
    return ", ".join(f"{alias} → v{number}" for alias, number in sorted(aliases.items())) or "—"


def review_status(sign_off: SignOff | None) -> str:
    """The latest decision on a version in a few words, or that nobody has made one."""
    if sign_off is None:
        return "not reviewed"
    return f"{'approved' if sign_off.approved else 'rejected'} by {sign_off.actor}, {sign_off.at:%Y-%m-%d}"


def permalink(model: str, version: int) -> str:
    """The Model version page of one version, relative to the dashboard's root so a base path is kept."""
    return "model?" + urlencode({"model": model, "version": version})


def search_frame(found: Sequence[ModelSummary], reviews: Mapping[str, SignOff | None]) -> pd.DataFrame:
    """One row per search result: its latest version, aliases, review status and permalink."""
    keys = [key for key in KEY_METRICS if any(key in headline(summary.latest) for summary in found)]
    rows = []
    for summary in found:
        latest = summary.latest
        numbers = headline(latest)
        rows.append({
            "Model": summary.name, "Open": permalink(summary.name, latest.version), "Latest": latest.version,
            "Aliases": aliases_text(summary.aliases), "Review": review_status(reviews.get(latest.ref)),
            "License": latest.license, "Task": latest.task, "Model type": latest.model_type,
            "Trained on": trained_on(latest), **{f"Test {metric_label(key)}": numbers.get(key) for key in keys},
            "Versions": summary.version_count, "Registered": f"{latest.created_at:%Y-%m-%d %H:%M} UTC",
        })
    return pd.DataFrame(rows)


def files_frame(version: VersionRecord, store, base_files: Iterable[str]) -> pd.DataFrame:
    """Each file's bytes as pulled against the bytes the store holds for it beyond what the base
    versions (``base_files``, their sha256) already hold: a fine-tune that shares frozen tensors
    with its base stores only what changed (see ``Store.stored_size``)."""
    base = list(base_files)
    held_by_base = store.stored_size(base)
    rows = [{"File": file.path, "Logical bytes": file.size,
             "Stored bytes": store.stored_size([file.sha256]),
             "New beyond base": store.stored_size([*base, file.sha256]) - held_by_base,
             "Pickle": "yes: loading runs code" if file.pickle else "no", "sha256": file.sha256}
            for file in version.files]
    return pd.DataFrame(rows)


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
