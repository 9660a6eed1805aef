"""Deriving a new version from a registered one: quantize, prune, distill, merge, mitigate.

A deriver plugin makes the new model's files; the core does everything else the same way for every
deriver: it loads the parent (on its base, for an adapter), registers the result with its lineage
relation to the exact parent version, judges it on the parent's held-out rows with the evaluators
the parent has reports from, and records what changed (size, latency per row, metrics and the
fairness reports' numbers per sensitive column), measured the same way for parent and child, in the new version's
config, where its model card shows them.
"""

from __future__ import annotations

import dataclasses
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from hub import __version__
from hub.errors import EvaluationError, HubError
from hub.jobs.canonical import training_rows
from hub.jobs.data import load_labelled
from hub.jobs.evaluation import (
    EvaluationResult,
    EvaluationRows,
    evaluation_input,
    evaluation_rows,
    run_evaluators,
    store_reports,
)
from hub.jobs.loading import loaded_version, predict
from hub.jobs.metrics import task_metrics
from hub.jobs.stopping import stoppable
from hub.plugins.manager import Plugins
from hub.registry import DatasetUse, Parent, Registry, VersionRecord
from hub.registry.lineage import MODEL_RELATIONS
from hub.registry.registry import validate_name
from hub.specs import Derived, DeriveRequest, ProgressCallback, TrainingRows, no_progress

# What a derived version keeps of its parent's config: what defines its task and its held-out rows.
INHERITED = ("dataset", "task", "target", "positive_label", "classes", "features", "seed", "split", "max_rows")
LATENCY_REPEATS = 3
FAIRNESS = "fairness"


@dataclass(frozen=True)
class DeriveResult:
    version: VersionRecord
    deltas: dict[str, Any]
    reports: list[EvaluationResult]


def latency_per_row(model: Any, X: Any, task: str, classes: tuple) -> float:
    """Seconds per row to score ``X``: the best of a few timed runs after one warm-up, so parent and
    child are measured alike and a first call's one-off costs count for neither."""
    predict(model, X.iloc[: min(len(X), 8)], task, classes)
    best = float("inf")
    for _ in range(LATENCY_REPEATS):
        started = time.perf_counter()
        predict(model, X, task, classes)
        best = min(best, time.perf_counter() - started)
    return best / max(len(X), 1)


def headline_numbers(report: Mapping[str, Any]) -> dict[str, float]:
    """A fairness report's numbers worth comparing: those of each entry of its ``features`` list
    (one per sensitive column: parity and odds differences, ratios), keyed ``column.metric``."""
    found = {}
    for item in report.get("features") or ():
        if isinstance(item, Mapping) and "feature" in item:
            for key, value in item.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    found[f"{item['feature']}.{key}"] = float(value)
    return found


def compared(parent: Mapping[str, float], child: Mapping[str, float]) -> dict[str, dict[str, float]]:
    return {key: {"parent": parent[key], "derived": child[key], "delta": child[key] - parent[key]}
            for key in sorted(parent) if key in child}


def _parent_reports(registry: Registry, parent: VersionRecord) -> dict[str, dict[str, Any]]:
    """Each evaluator's report on the parent's held-out rows, by evaluator: the canonical one where
    it exists, so the child is judged on the parent's declared evaluation."""
    bodies = {}
    chosen = {**registry.latest_reports(parent), **registry.canonical_reports(parent)}
    for evaluator, report in chosen.items():
        if report.dataset == parent.config["dataset"]:
            body = registry.read_report(report)
            if body.get("provenance", {}).get("scope", "").startswith("held-out"):
                bodies[evaluator] = body
    return bodies


def _training_rows(plugins: Plugins, parent: VersionRecord, used: list) -> TrainingRows:
    """The parent's training rows, re-drawn from its recorded split (and row cap)."""
    spec = plugins.get("datasets", parent.config["dataset"]).spec
    table = load_labelled(spec)
    rows = training_rows(parent, table)
    used.append(table.fingerprint())
    return TrainingRows(X=rows.columns(parent.config["features"], "a feature"), y=rows.y,
                        sensitive=rows.columns(list(spec.sensitive_features), "a sensitive feature"))


def derive(
    plugins: Plugins,
    registry: Registry,
    ref: str,
    deriver: str,
    *,
    params: Mapping[str, Any] | None = None,
    name: str | None = None,
    progress: ProgressCallback = no_progress,
) -> DeriveResult:
    """Make a new version from ``ref`` (``NAME``, ``NAME:V``, ``NAME@ALIAS``) with a deriver plugin.

    It becomes the next version of ``name`` (by default the parent's own model), with lineage
    ``relation`` to the exact parent version; its reports and deltas are measured on the parent's
    held-out rows. Ctrl-C or SIGTERM stops it with nothing registered.
    """
    parent = registry.resolve(ref)
    provided = plugins.get("derivers", deriver)
    spec = provided.spec
    if not spec.applies_to(parent.framework):
        raise HubError(f"Deriver '{deriver}' does not handle {parent.framework} models like {parent.ref}.",
                       f"It handles: {', '.join(spec.frameworks)}.")
    if spec.relation not in MODEL_RELATIONS:
        raise HubError(f"Deriver '{deriver}' declares the lineage relation '{spec.relation}', which the registry "
                       "does not know.", f"Its plugin must declare one of: {', '.join(MODEL_RELATIONS)}.")
    missing = [key for key in ("dataset", "features", "seed", "split") if key not in parent.config]
    if missing:
        raise EvaluationError(f"{parent.ref} records no {', '.join(missing)} of its training, so its held-out rows "
                              "cannot be drawn again to judge a derived version.",
                              "Derive from a version trained with 'hub train'.")
    name = validate_name(name or parent.model)
    merged = {**spec.default_params, **(params or {})}
    parent_reports = _parent_reports(registry, parent)
    used_training_rows: list[str] = []

    with stoppable(f"Deriving {parent.ref} with {deriver}") as stop, \
            tempfile.TemporaryDirectory(prefix="hub-derive-") as workdir:
        progress(f"Loading {parent.config['dataset']}", 0.0)
        rows = evaluation_rows(plugins, parent.config)
        output = Path(workdir) / "derived"
        output.mkdir()
        progress(f"Loading {parent.ref}", 0.1)
        with loaded_version(plugins, registry, parent) as loaded:
            parent_input = evaluation_input(loaded.model, parent, rows)
            task, classes = parent_input.task, parent_input.classes
            parent_metrics = task_metrics(task, classes, rows.table.y, parent_input.y_score)
            parent_latency = latency_per_row(loaded.model, rows.X, task, classes)
            progress(f"Deriving with {deriver}", 0.2)
            derived = spec.derive(DeriveRequest(
                parent=parent, model=loaded.model, directory=loaded.directory, output=output, params=merged,
                seed=parent.config["seed"], progress=lambda message, fraction: progress(message, 0.2 + 0.4 * fraction),
                training_rows=lambda: _training_rows(plugins, parent, used_training_rows),
            ))
        if not isinstance(derived, Derived):
            raise HubError(f"Deriver '{deriver}' (plugin '{provided.plugin}') returned {type(derived).__name__}, "
                           "not Derived.")
        files = {p.relative_to(output).as_posix(): p for p in sorted(output.rglob("*")) if p.is_file()}
        if not files:
            raise HubError(f"Deriver '{deriver}' (plugin '{provided.plugin}') wrote no files.")

        progress("Judging the derived model on the parent's held-out rows", 0.6)
        trainer = plugins.get("trainers", derived.trainer)
        provisional = dataclasses.replace(parent, framework=derived.framework, model_type=derived.model_type,
                                          trainer=derived.trainer)
        child = trainer.spec.load(output)
        child_metrics = task_metrics(task, classes, rows.table.y, evaluation_input(child, provisional, rows).y_score)
        child_latency = latency_per_row(child, rows.X, task, classes)
        bodies, report_deltas = [], {}
        for evaluator, parent_body in parent_reports.items():
            if evaluator not in plugins.all("evaluators"):
                continue
            chosen = plugins.get("evaluators", evaluator)
            if not chosen.spec.applies_to(derived.framework):
                continue
            sensitive = parent_body.get("provenance", {}).get("sensitive_features") or None
            judged: EvaluationRows = rows if sensitive == rows.sensitive else \
                evaluation_rows(plugins, parent.config, sensitive=sensitive)
            ((_, body),) = run_evaluators(plugins, [chosen], evaluation_input(child, provisional, judged), judged)
            bodies.append((chosen, body))
            if chosen.spec.kind == FAIRNESS:
                report_deltas[evaluator] = compared(headline_numbers(parent_body), headline_numbers(body))

        parent_size = sum(file.size for file in parent.files)
        child_size = sum(path.stat().st_size for path in files.values())
        deltas = {
            "rows": int(len(rows.table.y)),
            "rows_sha256": rows.table.fingerprint(),
            "size_bytes": {"parent": parent_size, "derived": child_size,
                           "ratio": child_size / parent_size if parent_size else None},
            "latency_ms_per_row": {"parent": parent_latency * 1000, "derived": child_latency * 1000,
                                   "ratio": child_latency / parent_latency if parent_latency else None},
            "metrics": compared(parent_metrics, child_metrics),
            "reports": report_deltas,
        }
        config = {
            **{key: parent.config[key] for key in INHERITED if key in parent.config},
            "derived": {"from": parent.ref, "commit": parent.commit, "relation": spec.relation, "deriver": deriver,
                        "plugin": provided.plugin, "plugin_version": plugins.version_of(provided.plugin),
                        "params": merged, "details": dict(derived.details)},
            "deltas": deltas,
            "environment": {"ecohub": __version__, "python": platform.python_version(),
                            "platform": platform.platform()},
        }
        datasets = []
        if used_training_rows:
            data = plugins.get("datasets", parent.config["dataset"])
            datasets.append(DatasetUse(dataset=data.spec.name, plugin=data.plugin, license=data.spec.license,
                                       role="train", rows=int(parent.config["split"]["train_rows"]),
                                       sha256=used_training_rows[0]))
        progress("Registering", 0.9)
        with stop.registration():
            record = registry.register_version(
                name, files=files, license=parent.license,
                license_reasons=[f"{spec.relation} from {parent.ref}, which is licensed {parent.license}"],
                framework=derived.framework, model_type=derived.model_type, trainer=derived.trainer,
                task=parent.task, config=config, metrics={"test": child_metrics}, datasets=datasets,
                lineage=[Parent(parent.ref, spec.relation)],
                description=f"{spec.description.rstrip('.')}: {spec.relation} from {parent.ref}.",
            )
    reports = store_reports(plugins, registry, record, rows.dataset, bodies) if bodies else []
    progress("Registered", 1.0)
    return DeriveResult(version=registry.get_version(record.model, record.version), deltas=deltas, reports=reports)
