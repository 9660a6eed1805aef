"""ecohub-review: whether a version is fit for production, as a publish check, a command and a page.

Everything here reads the canonical reports other plugins stored (the version's declared
evaluation) and the registry's gate policy; the checklist itself is in :mod:`ecohub_review.checklist`.
Nothing heavy is imported until a check, the command or the page runs.
"""

from __future__ import annotations

import logging

from hub import hookimpl
from hub.specs import CommandSpec, DashboardPageSpec, PublishCheckResult, PublishCheckSpec

from ecohub_review.checklist import GATED_ALIAS

HUB_PLUGIN_API = ">=1,<2"

log = logging.getLogger(__name__)


def _load_command():
    from ecohub_review.command import review

    return review


def _render_overview(registry):
    from ecohub_review.page import render

    render(registry)


def production_check(registry):
    """The check behind ``production-review``: the checklist of the action, whose gates are the
    registry's gate policy judged on the version's canonical reports."""

    def check(version, action, target):
        from ecohub_review.checklist import blocking_failures, checklist

        failures = blocking_failures(checklist(version, registry, action, target))
        if failures:
            return PublishCheckResult("production-review", False, "; ".join(failures)
                                      + f" (see 'hub review {version.ref}')")
        return PublishCheckResult("production-review", True, "every checklist item passes")

    return check


@hookimpl
def hub_publish_checks(registry):
    return [PublishCheckSpec(
        name="production-review",
        description="The registry's gate policy (by default: promoting to 'production' or pushing needs an exact "
                    "explanation and the four-fifths rule passing), a known license and recorded training data",
        check=production_check(registry),
    )]


@hookimpl
def hub_commands():
    return [CommandSpec(name="review", help="Review checklist of a version: license, data, explanation, fairness.",
                        load=_load_command)]


@hookimpl
def hub_dashboard_pages():
    return [DashboardPageSpec(name="fairness-overview", title="Fairness overview", render=_render_overview,
                              icon=":material/balance:")]


@hookimpl
def hub_before_training(dataset):
    if not dataset.sensitive_features:
        log.warning("Dataset '%s' declares no sensitive column: its fairness review will need "
                    "'hub evaluate --sensitive COLUMNS'.", dataset.name)


@hookimpl
def hub_version_registered(version):
    if version.license in ("", "unknown"):
        log.warning("%s has no known license; it cannot pass the production review.", version.ref)


@hookimpl
def hub_after_training(version):
    log.info("%s registered; run 'hub evaluate %s' before promoting it to %s.", version.ref, version.ref, GATED_ALIAS)


@hookimpl
def hub_after_evaluation(version, reports):
    for evaluator, body in reports.items():
        if (body.get("provenance") or {}).get("role") != "canonical":
            continue  # only the declared evaluation decides anything
        failing = [f["feature"] for f in body.get("features", []) if f.get("four_fifths_passed") is False]
        if failing:
            log.warning("%s: the %s report finds the four-fifths rule failing for %s; promoting it to '%s' "
                        "will be blocked ('hub review %s').", version.ref, evaluator, ", ".join(failing),
                        GATED_ALIAS, version.ref)
