"""Mitigation as ``hub derive``: Fairlearn's ThresholdOptimizer and ExponentiatedGradient.

Each makes a new version (lineage relation ``mitigated``) from a scikit-learn version, which the
derive job then judges on the parent's held-out rows beside the parent's own reports. Nothing is
pickled: a threshold-optimized model is the parent's skops file plus each group's randomized
thresholds as JSON; an exponentiated-gradient model is its predictors as skops files plus their
weights as JSON. :data:`MITIGATED_TRAINER` loads both back.

ThresholdOptimizer decides by group, so the sensitive column must be one of the model's inputs,
and its decisions are randomized between two thresholds per group: the stored model's
``predict_proba`` is the probability that the randomized rule selects a row, exactly as
Fairlearn's ``_pmf_predict`` gives it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from hub.errors import HubError
from hub.specs import DeriveRequest, Derived, FitRequest

SPEC_FILE = "mitigation.json"
FRAMEWORK, TRAINER = "fairlearn-mitigated", "fairlearn-mitigated"
CONSTRAINTS = ("demographic_parity", "equalized_odds")
MAX_GROUPS = 50


def _sensitive(request: DeriveRequest, rows) -> str:
    features = list(request.parent.config.get("features") or [])
    declared = list(rows.sensitive.columns)
    column = request.params.get("sensitive") or (declared[0] if declared else "")
    if not column:
        raise HubError(f"{request.parent.ref}'s dataset declares no sensitive column to mitigate by.",
                       "Pass --param sensitive=COLUMN.")
    if column not in features:
        raise HubError(f"'{column}' is not an input of {request.parent.ref}, so a threshold per group cannot be "
                       "applied when it predicts.", f"Choose one of its inputs: {', '.join(features)}.")
    return str(column)


def _constraint(name: str):
    from fairlearn.reductions import DemographicParity, EqualizedOdds

    if name not in CONSTRAINTS:
        raise HubError(f"'{name}' is not a constraint ecohub-fairlearn mitigates for.",
                       f"Use one of: {', '.join(CONSTRAINTS)}.")
    return {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}[name]()


def _groups(column) -> np.ndarray:
    values = column.astype(str).to_numpy()
    if len(set(values)) > MAX_GROUPS:
        raise HubError(f"'{column.name}' has more than {MAX_GROUPS} distinct values; mitigate by a coded column.")
    return values


def threshold_optimizer(request: DeriveRequest) -> Derived:
    """Fit group thresholds on the parent's training rows; keep the parent's files beside them."""
    from fairlearn.postprocessing import ThresholdOptimizer

    rows = request.training_rows()
    column = _sensitive(request, rows)
    constraint = request.params.get("constraint", "demographic_parity")
    _constraint(constraint)
    optimizer = ThresholdOptimizer(estimator=request.model, constraints=constraint, prefit=True,
                                   predict_method="predict_proba")
    request.progress(f"optimizing thresholds by {column}", 0.1)
    optimizer.fit(rows.X, rows.y, sensitive_features=_groups(rows.X[column]))
    interpolation = optimizer.interpolated_thresholder_.interpolation_dict
    groups = {str(group): {"p0": float(found.p0), "operator0": found.operation0.operator,
                           "threshold0": float(found.operation0.threshold),
                           "p1": float(found.p1), "operator1": found.operation1.operator,
                           "threshold1": float(found.operation1.threshold)}
              for group, found in interpolation.items()}
    shutil.copytree(request.directory, request.output / "base", dirs_exist_ok=True)
    spec = {"method": "threshold-optimizer", "constraint": constraint, "sensitive": column, "groups": groups}
    (request.output / SPEC_FILE).write_text(json.dumps(spec, indent=2, allow_nan=True))
    return Derived(trainer=TRAINER, framework=FRAMEWORK, model_type=f"{request.parent.model_type}+thresholds",
                   details={"method": "ThresholdOptimizer", "constraint": constraint, "sensitive": column})


def exponentiated_gradient(request: DeriveRequest) -> Derived:
    """Refit the parent's model type under a fairness constraint; store each predictor and its weight."""
    from ecohub_sklearn import artifacts
    from fairlearn.reductions import ExponentiatedGradient
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    rows = request.training_rows()
    column = request.params.get("sensitive") or rows.sensitive.columns[0]
    constraint = request.params.get("constraint", "demographic_parity")
    weight_name = (f"{request.model.steps[-1][0]}__sample_weight" if isinstance(request.model, Pipeline)
                   else "sample_weight")
    reduction = ExponentiatedGradient(clone(request.model), constraints=_constraint(constraint),
                                      eps=float(request.params.get("eps", 0.01)),
                                      max_iter=int(request.params.get("max_iter", 50)),
                                      sample_weight_name=weight_name)
    request.progress(f"fitting under {constraint} by {column}", 0.1)
    reduction.fit(rows.X, rows.y, sensitive_features=_groups(rows.sensitive[column]))
    kept = [(index, float(weight)) for index, weight in reduction.weights_.items() if weight > 0]
    for position, (index, _) in enumerate(kept):
        folder = request.output / "predictors" / f"{position:03d}"
        folder.mkdir(parents=True)
        artifacts.save(reduction.predictors_[index], folder)
    spec = {"method": "exponentiated-gradient", "constraint": constraint, "sensitive": str(column),
            "weights": [weight for _, weight in kept]}
    (request.output / SPEC_FILE).write_text(json.dumps(spec, indent=2))
    return Derived(trainer=TRAINER, framework=FRAMEWORK, model_type=f"{request.parent.model_type}+reduction",
                   details={"method": "ExponentiatedGradient", "constraint": constraint, "sensitive": str(column),
                            "predictors": len(kept)})


class ThresholdedModel:
    """The parent model with a randomized threshold rule per group (Fairlearn's InterpolatedThresholder)."""

    def __init__(self, base: Any, sensitive: str, groups: dict[str, dict[str, Any]]):
        self.base_, self.sensitive_, self.groups_ = base, sensitive, groups

    def predict_proba(self, X) -> np.ndarray:
        score = np.asarray(self.base_.predict_proba(X))[:, 1]
        groups = X[self.sensitive_].astype(str).to_numpy()
        unknown = sorted(set(groups) - set(self.groups_))
        if unknown:
            raise HubError(f"No thresholds were fitted for {self.sensitive_} = {', '.join(unknown[:5])}.")
        selected = np.zeros(len(score))
        for name, rule in self.groups_.items():
            rows = groups == name
            for side in "01":
                passes = (score[rows] > rule[f"threshold{side}"]) if rule[f"operator{side}"] == ">" else \
                    (score[rows] < rule[f"threshold{side}"])
                selected[rows] += rule[f"p{side}"] * passes
        return np.column_stack([1 - selected, selected])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype("int64")


class ReducedModel:
    """Fairlearn's randomized classifier: the weighted mix of its predictors' decisions."""

    def __init__(self, predictors: list[Any], weights: list[float]):
        self.predictors_, self.weights_ = predictors, np.asarray(weights) / np.sum(weights)

    def predict_proba(self, X) -> np.ndarray:
        selected = sum(weight * np.asarray(predictor.predict(X)) for predictor, weight in
                       zip(self.predictors_, self.weights_))
        return np.column_stack([1 - selected, selected])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype("int64")


def fit(request: FitRequest):
    raise HubError("Mitigated models are made from a registered version by 'hub derive', not trained.",
                   "Run 'hub derive MODEL --with threshold-optimizer' or '--with exponentiated-gradient'.")


def save(model: Any, directory: Path) -> None:
    raise HubError("Mitigated models are written by their deriver when 'hub derive' makes them.")


def load(directory: Path) -> Any:
    """A mitigated model from its JSON and skops files (skops builds only trusted types)."""
    from ecohub_sklearn import artifacts

    directory = Path(directory)
    spec = json.loads((directory / SPEC_FILE).read_text())
    if spec.get("method") == "threshold-optimizer":
        return ThresholdedModel(artifacts.load(directory / "base"), spec["sensitive"], spec["groups"])
    if spec.get("method") == "exponentiated-gradient":
        folders = sorted((directory / "predictors").iterdir())
        return ReducedModel([artifacts.load(folder) for folder in folders], spec["weights"])
    raise HubError(f"{directory / SPEC_FILE} names no mitigation method ecohub-fairlearn knows.")
