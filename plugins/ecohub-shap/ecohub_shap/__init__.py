"""ecohub-shap: SHAP explanations of any model ecohub trains, stored as a report.

The evaluator modules import shap, numpy and the model's libraries at their top, so they are
imported only when an evaluation runs; listing plugins loads nothing but this file, the options
and the summary.
"""

from hub import hookimpl
from hub.specs import EvaluatorSpec

from ecohub_shap.options import OPTIONS
from ecohub_shap.summary import summarize

HUB_PLUGIN_API = ">=1.2,<2"


def evaluate(inputs):
    """Explain the model on the evaluation rows (see :func:`ecohub_shap.explain.explain`)."""
    from ecohub_shap.explain import explain

    return explain(inputs)


@hookimpl
def hub_evaluators():
    return [
        EvaluatorSpec(
            name="shap",
            kind="explanation",
            description="SHAP values (Tree, Linear, Permutation, text Partition): importance, any row, validity",
            evaluate=evaluate,
            summarize=summarize,
            options=OPTIONS,
        )
    ]
