"""``hub evaluate``: run evaluators on a registered version and store the reports with it."""

from __future__ import annotations

import click

from hub.commands import open_registry, parse_ref
from hub.output import console, emit_json, progress_bar


ROLE_NOTES = {
    "canonical": "[green]Canonical[/]: the declared evaluation of {ref}; gates, review and card read these reports.",
    "additional": "[yellow]Additional[/]: stored beside the declared evaluation of {ref}; it decides no verdict "
                  "(run 'hub evaluate {ref}' with no options for that).",
    "overlap": "[red]Overlap[/]: {overlap}, so these reports are marked and never decide a verdict.",
}


def split_names(value: str | None) -> list[str] | None:
    return [name.strip() for name in value.split(",") if name.strip()] if value else None


def parse_options(pairs: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``EVALUATOR.KEY=VALUE`` pairs as ``{evaluator: {key: value}}``; the evaluation checks each
    key against the evaluator's declared options and converts the value to the option's type."""
    options: dict[str, dict[str, str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        evaluator, dot, key = name.strip().partition(".")
        if not (sep and dot and evaluator and key):
            raise click.BadParameter(f"'{pair}' is not EVALUATOR.KEY=VALUE (e.g. shap.sample_rows=2000).",
                                     param_hint="--option")
        options.setdefault(evaluator, {})[key] = value
    return options


@click.command()
@click.argument("ref", metavar="MODEL[:VERSION]")
@click.option("--dataset", help="Dataset to evaluate on [default: the one the version was trained on].")
@click.option("--sensitive", help="Comma-separated sensitive columns [default: the dataset's declared ones].")
@click.option("--evaluator", "evaluators", help="Comma-separated evaluators [default: every one that applies].")
@click.option("--bins", "bins", multiple=True, metavar="COLUMN=EDGE,...",
              help="Group a numeric sensitive column at these edges instead of the dataset's declared bins "
                   "(e.g. age=25,60: under 25, 25 to under 60, 60 and over). Repeatable.")
@click.option("--option", "options", multiple=True, metavar="EVALUATOR.KEY=VALUE",
              help="Set an option of an evaluator (e.g. shap.sample_rows=2000; its README lists them, and a "
                   "wrong key names them). Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored reports as JSON.")
@click.pass_context
def evaluate(ctx, ref, dataset, sensitive, evaluators, bins, options, as_json) -> None:
    """Explain and audit a version; on its training dataset, the held-out rows are used.

    With no options this is the version's declared evaluation, whose reports decide its gates,
    review and card. Other columns, bins, data or evaluator options add reports beside it and
    change no verdict.
    """
    from hub.jobs.canonical import parse_bins
    from hub.jobs.evaluation import evaluate as run_evaluation
    from hub.plugins.manager import installed_plugins

    name, version = parse_ref(ref)
    with progress_bar(f"Evaluating {ref}") as progress:
        results = run_evaluation(
            installed_plugins(), open_registry(ctx), name, version, dataset=dataset,
            sensitive=split_names(sensitive), evaluators=split_names(evaluators), bins=parse_bins(bins),
            options=parse_options(options), progress=progress,
        )
    if as_json:
        emit_json({result.evaluator: result.body for result in results})
        return
    out = console()
    for result in results:
        out.rule(f"{result.evaluator} ({result.report.kind})")
        out.print(result.summary, markup=False, highlight=False)
    if results:
        out.print(ROLE_NOTES[results[0].report.role].format(
            ref=ref, overlap=results[0].body["provenance"]["overlap"].get("reason", "")))
