"""Running evaluators on a registered version and storing their reports with it.

A report is the evaluator's JSON plus a ``provenance`` block the core adds: which version, which
rows (with a fingerprint), which sensitive columns, which plugin at which version. The evaluator
never has to remember to record those facts.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from hub import __version__
from hub.jobs.data import load_labelled, stratified_split
from hub.errors import EvaluationError
from hub.plugins.manager import Plugins, Provided
from hub.registry import Registry, ReportRecord, VersionRecord
from hub.specs import EvaluationInput, EvaluatorSpec, ProgressCallback, no_progress


@dataclass(frozen=True)
class EvaluationResult:
    evaluator: str
    report: ReportRecord
    body: dict[str, Any]
    summary: str



def _chosen_evaluators(plugins: Plugins, record: VersionRecord, names: Sequence[str] | None) -> list[Provided]:
    if names:
        chosen = [plugins.get("evaluators", name) for name in names]
        for provided in chosen:
            if not provided.spec.applies_to(record.framework):
                raise EvaluationError(
                    f"Evaluator '{provided.spec.name}' does not handle {record.framework} models.",
                    f"It handles: {', '.join(provided.spec.frameworks)}.",
                )
        return chosen
    chosen = [p for p in plugins.all("evaluators").values() if p.spec.applies_to(record.framework)]
    if not chosen:
        raise EvaluationError(
            f"No installed evaluator handles {record.framework} models.",
            "Install an evaluator plugin, then check 'hub evaluators list'.",
        )
    return chosen


def evaluate(
    plugins: Plugins,
    registry: Registry,
    name: str,
    version: int | None = None,
    *,
    dataset: str | None = None,
    sensitive: Sequence[str] | None = None,
    evaluators: Sequence[str] | None = None,
    progress: ProgressCallback = no_progress,
) -> list[EvaluationResult]:
    """Run evaluators on a version and store each report with it.

    On the dataset the version was trained on, the evaluation rows are exactly its held-out split
    (re-drawn from the recorded seed); on any other dataset, every row.
    """
    record = registry.get_version(name, version)
    dataset = dataset or record.config["dataset"]
    data = plugins.get("datasets", dataset)
    trainer = plugins.get("trainers", record.trainer)
    chosen = _chosen_evaluators(plugins, record, evaluators)
    sensitive = list(sensitive or data.spec.sensitive_features)

    progress(f"Loading {dataset}", 0.0)
    table = load_labelled(data.spec)
    split = record.config["split"]
    if dataset == record.config["dataset"]:
        _, rows = stratified_split(table.y, split["test_size"], record.config["seed"])
        table, scope = table.rows(rows), "held-out split of the training dataset"
    else:
        scope = "every row"
    X = table.columns(record.config["features"], "a model feature")
    sensitive_frame = table.columns(sensitive, "a sensitive feature")

    progress(f"Loading {record.ref}", 0.1)
    with tempfile.TemporaryDirectory(prefix="hub-eval-") as workdir:
        registry.export_files(record.model, record.version, Path(workdir))
        model = trainer.spec.load(Path(workdir))
    y_score = model.predict_proba(X)[:, 1]
    inputs = EvaluationInput(
        model=model, model_type=record.model_type, framework=record.framework, dataset=data.spec,
        X=X, y_true=table.y, y_pred=(y_score >= 0.5).astype("int64"), y_score=y_score,
        sensitive=sensitive_frame, seed=record.config["seed"],
    )
    provenance = {
        "model": record.model,
        "version": record.version,
        "model_files": {f.path: f.sha256 for f in record.files},
        "dataset": dataset,
        "scope": scope,
        "rows": int(len(table.y)),
        "rows_sha256": table.fingerprint(),
        "sensitive_features": sensitive,
        "decision_threshold": 0.5,
        "ecohub": __version__,
    }

    results = []
    for index, provided in enumerate(chosen):
        spec: EvaluatorSpec = provided.spec
        progress(f"Running {spec.name}", 0.2 + 0.8 * index / len(chosen))
        started = time.perf_counter()
        body = dict(spec.evaluate(inputs))
        body["provenance"] = {
            **provenance,
            "evaluator": spec.name,
            "plugin": provided.plugin,
            "plugin_version": plugins.version_of(provided.plugin),
            "seconds": round(time.perf_counter() - started, 3),
            "created_at": datetime.now(timezone.utc).isoformat(),
        }
        report = registry.add_report(
            record.model, record.version, evaluator=spec.name, kind=spec.kind,
            plugin=provided.plugin, dataset=dataset, body=body,
        )
        results.append(EvaluationResult(spec.name, report, body, spec.summarize(body)))
    plugins.notify("hub_after_evaluation", version=registry.get_version(record.model, record.version),
                   reports={result.evaluator: result.body for result in results})
    progress("Reports stored", 1.0)
    return results
