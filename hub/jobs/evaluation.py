"""Running evaluators on a registered version and storing their reports with it.

A report is the evaluator's JSON plus a ``provenance`` block the core adds: which version, which
rows (with a fingerprint), which sensitive columns, which plugin at which version. The evaluator
never has to remember to record those facts.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from hub import __version__
from hub.errors import EvaluationError, PluginError
from hub.jobs.canonical import DECISION_THRESHOLD, judged_rows
from hub.jobs.data import LabelledTable, held_out_split, load_labelled
from hub.jobs.loading import loaded_version, predict, task_of
from hub.plugins.manager import Plugins, Provided
from hub.registry import Registry, ReportRecord, VersionRecord
from hub.registry.reports import ADDITIONAL, CANONICAL
from hub.specs import (DatasetSpec, EvaluationInput, EvaluatorOption, EvaluatorSpec, ProgressCallback,
                        no_progress)


@dataclass(frozen=True)
class EvaluationResult:
    evaluator: str
    report: ReportRecord
    body: dict[str, Any]
    summary: str


@dataclass(frozen=True)
class EvaluationRows:
    """The rows a version is judged on: on its training dataset its held-out split, else every row."""

    dataset: str
    spec: DatasetSpec
    table: LabelledTable
    X: Any
    sensitive: list[str]
    sensitive_frame: Any
    scope: str
    dataset_sha256: str = ""
    held_out: bool = False
    role: str = ADDITIONAL
    overlap: Mapping[str, Any] = field(default_factory=dict)
    bins: Mapping[str, list[float]] = field(default_factory=dict)


def chosen_evaluators(plugins: Plugins, record: VersionRecord, names: Sequence[str] | None) -> list[Provided]:
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


def evaluation_rows(plugins: Plugins, config: Mapping[str, Any], dataset: str | None = None,
                    sensitive: Sequence[str] | None = None) -> EvaluationRows:
    """The rows to judge a version with this training ``config`` on. On its training dataset they are
    exactly its held-out split, re-drawn from the recorded seed; on any other dataset, every row."""
    dataset = dataset or config["dataset"]
    data = plugins.get("datasets", dataset)
    sensitive = list(sensitive or data.spec.sensitive_features)
    table = load_labelled(data.spec)
    dataset_sha256 = table.fingerprint()
    if dataset == config["dataset"]:
        split = config["split"]
        _, rows = held_out_split(table.y, table.task, split["test_size"], config["seed"])
        table, scope = table.rows(rows), "held-out split of the training dataset"
    else:
        scope = "every row"
    return EvaluationRows(dataset=dataset, spec=data.spec, table=table,
                          X=table.columns(config["features"], "a model feature"), sensitive=sensitive,
                          sensitive_frame=table.columns(sensitive, "a sensitive feature"), scope=scope,
                          dataset_sha256=dataset_sha256, held_out=dataset == config["dataset"])


def evaluation_input(model: Any, record: VersionRecord, rows: EvaluationRows) -> EvaluationInput:
    """What every evaluator sees, shaped for the version's task."""
    task, classes = task_of(record)
    classes = classes or tuple(rows.table.classes)
    if rows.table.classes and tuple(rows.table.classes) != classes:
        raise EvaluationError(f"{record.ref} predicts the classes {list(classes)}, but '{rows.dataset}' has "
                              f"{list(rows.table.classes)}.", "Evaluate it on a dataset with the same classes.")
    predicted = predict(model, rows.X, task, classes)
    return EvaluationInput(
        model=model, model_type=record.model_type, framework=record.framework, dataset=rows.spec, X=rows.X,
        y_true=rows.table.y, y_pred=predicted.y_pred, y_score=predicted.y_score, sensitive=rows.sensitive_frame,
        seed=record.config["seed"], task=task, classes=classes,
    )


OPTION_TYPES = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


def evaluator_options(chosen: Sequence[Provided],
                      given: Mapping[str, Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """``given`` (``{"shap": {"sample_rows": "2000"}}``, values as typed or as text) checked against
    the options each chosen evaluator declares, and converted to their types: per evaluator name."""
    specs = {provided.spec.name: provided.spec for provided in chosen}
    checked: dict[str, dict[str, Any]] = {name: {} for name in specs}
    for evaluator, values in (given or {}).items():
        if evaluator not in specs:
            raise EvaluationError(
                f"The option {evaluator}.{next(iter(values), '')} names evaluator '{evaluator}', which this run does "
                "not use.", f"This run uses: {', '.join(specs)}. Name one of them, or add it with --evaluator.")
        declared = {option.name: option for option in specs[evaluator].options}
        for key, value in values.items():
            if key not in declared:
                known = "; ".join(f"{name} ({option.description})" for name, option in declared.items())
                raise EvaluationError(f"Evaluator '{evaluator}' has no option '{key}'.",
                                      f"Its options: {known}." if known else "It takes no options.")
            checked[evaluator][key] = _option_value(evaluator, declared[key], value)
    return checked


def _option_value(evaluator: str, option: EvaluatorOption, value: Any) -> Any:
    """``value`` as ``option.type``, within its bounds, or an error saying what it must be."""
    if option.type not in OPTION_TYPES:
        raise PluginError(f"Evaluator '{evaluator}' declares its option '{option.name}' as {option.type!r}.",
                          "An evaluator option is an int, float, bool or str; tell the plugin's author.")
    try:
        converted = _converted(option.type, value)
    except (TypeError, ValueError):
        converted = None
    fits = (converted is not None and not (isinstance(converted, float) and math.isnan(converted))
            and (option.minimum is None or converted >= option.minimum)
            and (option.maximum is None or converted <= option.maximum))
    if not fits:
        wanted = [OPTION_TYPES[option.type]]
        wanted += [f"at least {option.minimum:g}"] if option.minimum is not None else []
        wanted += [f"at most {option.maximum:g}"] if option.maximum is not None else []
        raise EvaluationError(f"Option {evaluator}.{option.name} must be {' and '.join(wanted)}; got {value!r}.",
                              f"{option.name}: {option.description}.")
    return converted


def _converted(kind: type, value: Any) -> Any:
    value = value.strip() if isinstance(value, str) else value
    if kind is bool:
        if str(value).lower() not in TRUE + FALSE:
            raise ValueError(value)
        return str(value).lower() in TRUE
    if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)  # True is no number, 2.5 no whole one
    return kind(value)


def _within(progress: ProgressCallback, name: str, start: float, width: float) -> ProgressCallback:
    """An evaluator's own progress (0 to 1) as its share of the whole run's."""
    def report(message: str, fraction: float) -> None:
        progress(f"Running {name}: {message}", start + width * min(max(float(fraction), 0.0), 1.0))

    return report


def run_evaluators(plugins: Plugins, chosen: Sequence[Provided], inputs: EvaluationInput, rows: EvaluationRows,
                   progress: ProgressCallback = no_progress,
                   options: Mapping[str, Mapping[str, Any]] | None = None) -> list[tuple[Provided, dict[str, Any]]]:
    """Each evaluator's report on ``inputs``, with the provenance of the rows and the plugin.

    ``options`` are the user's per evaluator (see :func:`evaluator_options`). A run with options is
    not the version's declared evaluation, so its reports are stored beside the canonical ones.
    Each evaluator reports its own progress, which moves the bar through its share of the run.
    """
    checked = evaluator_options(chosen, options)
    role = ADDITIONAL if rows.role == CANONICAL and any(checked.values()) else rows.role
    provenance = {
        "dataset": rows.dataset,
        "scope": rows.scope,
        "rows": int(len(rows.table.y)),
        "rows_sha256": rows.table.fingerprint(),
        "sensitive_features": rows.sensitive,
        "bins": dict(rows.bins),
        "decision_threshold": DECISION_THRESHOLD,
        "role": role,
        "overlap": dict(rows.overlap),
        "ecohub": __version__,
    }
    bodies = []
    for index, provided in enumerate(chosen):
        spec: EvaluatorSpec = provided.spec
        start, width = 0.2 + 0.8 * index / len(chosen), 0.8 / len(chosen)
        progress(f"Running {spec.name}", start)
        started = time.perf_counter()
        body = dict(spec.evaluate(dataclasses.replace(
            inputs, options={**inputs.options, **checked[spec.name]},
            progress=_within(progress, spec.name, start, width))))
        body["provenance"] = {
            **provenance,
            "evaluator": spec.name,
            "options": checked[spec.name],
            "plugin": provided.plugin,
            "plugin_version": plugins.version_of(provided.plugin),
            "seconds": round(time.perf_counter() - started, 3),
            "created_at": datetime.now(timezone.utc).isoformat(),
        }
        bodies.append((provided, body))
    return bodies


def store_reports(plugins: Plugins, registry: Registry, record: VersionRecord, dataset: str,
                  bodies: Sequence[tuple[Provided, dict[str, Any]]]) -> list[EvaluationResult]:
    """Attach reports to a registered version, naming it and its files in each report's provenance."""
    results = []
    for provided, body in bodies:
        body["provenance"] = {"model": record.model, "version": record.version,
                              "model_files": {f.path: f.sha256 for f in record.files}, **body["provenance"]}
        judged = body["provenance"]
        report = registry.add_report(
            record.model, record.version, evaluator=provided.spec.name, kind=provided.spec.kind,
            plugin=provided.plugin, dataset=dataset, body=body, role=judged["role"],
            rows_sha256=judged["rows_sha256"], sensitive=judged["sensitive_features"],
            params={"bins": judged["bins"], "decision_threshold": judged["decision_threshold"]},
        )
        results.append(EvaluationResult(provided.spec.name, report, body, provided.spec.summarize(body)))
    plugins.notify("hub_after_evaluation", version=registry.get_version(record.model, record.version),
                   reports={result.evaluator: result.body for result in results})
    return results


def evaluate(
    plugins: Plugins,
    registry: Registry,
    name: str,
    version: int | None = None,
    *,
    dataset: str | None = None,
    sensitive: Sequence[str] | None = None,
    evaluators: Sequence[str] | None = None,
    bins: Mapping[str, list[float]] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    explain_rows: Sequence[int] = (),
    progress: ProgressCallback = no_progress,
) -> list[EvaluationResult]:
    """Run evaluators on a version and store each report with it.

    On the dataset the version was trained on, the evaluation rows are exactly its held-out split
    (re-drawn from the recorded seed); on any other dataset, every row. ``bins`` override the
    dataset's declared bins of sensitive columns (``{"age": [25, 60]}``); ``options`` set the
    evaluators' declared options (``{"shap": {"sample_rows": 2000}}``); ``explain_rows`` are
    evaluation rows an explanation evaluator explains locally besides its own picks (``hub explain
    --row N``, the dashboard's "Explain row N"). The reports of the
    version's declared evaluation are canonical; any other run is stored beside them
    (:mod:`hub.jobs.canonical`).
    """
    record = registry.get_version(name, version)
    chosen = chosen_evaluators(plugins, record, evaluators)
    evaluator_options(chosen, options)  # a typo fails before the data and the model load
    progress(f"Loading {dataset or record.config['dataset']}", 0.0)
    rows = judged_rows(plugins, record, evaluation_rows(plugins, record.config, dataset, sensitive), bins)
    progress(f"Loading {record.ref}", 0.1)
    with loaded_version(plugins, registry, record) as loaded:
        inputs = evaluation_input(loaded.model, record, rows)
        if explain_rows:
            inputs = dataclasses.replace(inputs, options={"rows": list(explain_rows)})
        bodies = run_evaluators(plugins, chosen, inputs, rows, progress, options)
    results = store_reports(plugins, registry, record, rows.dataset, bodies)
    progress("Reports stored", 1.0)
    return results
