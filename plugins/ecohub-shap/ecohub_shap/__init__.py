"""ecohub-shap: exact SHAP explanations of scikit-learn pipelines, stored as a report.

The evaluator module imports shap, scikit-learn and numpy at its top, so it is imported only when
an evaluation runs; listing plugins loads nothing but this file and the summary.
"""

from hub import hookimpl
from hub.specs import EvaluatorSpec

from ecohub_shap.summary import summarize

HUB_PLUGIN_API = ">=1,<2"


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
            description="Exact SHAP values in log-odds: importance, local cases, additivity",
            evaluate=evaluate,
            summarize=summarize,
            frameworks=("sklearn",),
        )
    ]
