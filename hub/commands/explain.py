"""``hub explain``: why a version scored particular evaluation rows as it did.

It runs the version's explanation evaluator (``shap`` unless told otherwise) with the rows asked
for, stores the report with the version like ``hub evaluate`` does, so the dashboard can show the
same rows, and prints each asked-for row's contributions.
"""

from __future__ import annotations

import click

from hub.commands import open_registry, parse_ref
from hub.output import console, emit_json, progress_bar

SHOWN_CONTRIBUTIONS = 10


@click.command()
@click.argument("ref", metavar="MODEL[:VERSION]")
@click.option("--row", "rows", type=click.IntRange(min=0), multiple=True, required=True,
              help="Position of an evaluation row (0 is the first held-out row); repeat for several.")
@click.option("--sample-rows", type=int,
              help="Rows behind global importance (the evaluator's sample_rows option) [default: the "
                   "evaluator's, recorded in the report].")
@click.option("--evaluator", default="shap", show_default=True, help="Explanation evaluator to run.")
@click.option("--dataset", help="Dataset to explain on [default: the one the version was trained on].")
@click.option("--json", "as_json", is_flag=True, help="Print the asked-for rows' explanations as JSON.")
@click.pass_context
def explain(ctx, ref, rows, sample_rows, evaluator, dataset, as_json) -> None:
    """Explain chosen evaluation rows of a version, and store the report with them."""
    from hub.jobs.evaluation import evaluate
    from hub.plugins.manager import installed_plugins

    name, version = parse_ref(ref)
    registry = open_registry(ctx)
    record = registry.get_version(name, version)
    options = {evaluator: {"sample_rows": sample_rows}} if sample_rows is not None else None
    with progress_bar(f"Explaining {ref}") as progress:
        (result,) = evaluate(installed_plugins(), registry, record.model, record.version, dataset=dataset,
                             evaluators=[evaluator], options=options, explain_rows=rows, progress=progress)
    asked = [entry for entry in result.body.get("local", []) if entry.get("case") == "requested"]
    if as_json:
        emit_json(asked)
        return
    out = console()
    space = result.body.get("output_space", "model output")
    for entry in asked:
        out.rule(f"row {entry['row']}")
        out.print(f"true label {entry['true_label']!r}, predicted {entry['predicted']!r} (score {entry['score']:.3f}); "
                  f"explaining {entry['explained_output']!r} in {space}: base value {entry['base_value']:.3f} "
                  f"-> output {entry['output']:.3f}", markup=False, highlight=False)
        for contribution in entry["contributions"][:SHOWN_CONTRIBUTIONS]:
            out.print(f"  {contribution['shap']:+.3f}  {contribution['feature']} = {contribution['value']!r}",
                      markup=False, highlight=False)
    out.print(f"Stored as report {result.report.id} of {record.ref}.", markup=False, highlight=False)
