"""ecohub-fairlearn: how a model's decisions and errors differ between groups of people.

The assessment module imports fairlearn, scikit-learn and pandas at its top, so it is imported only
when an evaluation runs; listing plugins loads nothing but this file and the summary.
"""

from hub import hookimpl
from hub.specs import EvaluatorSpec

from ecohub_fairlearn.summary import summarize

HUB_PLUGIN_API = ">=1,<2"


def evaluate(inputs):
    """Compare groups of each sensitive column (see :func:`ecohub_fairlearn.assess.assess`)."""
    from ecohub_fairlearn.assess import assess

    return assess(inputs)


@hookimpl
def hub_evaluators():
    return [
        EvaluatorSpec(
            name="fairlearn",
            kind="fairness",
            description="Selection, accuracy and error rates by group; parity and equalized odds",
            evaluate=evaluate,
            summarize=summarize,
        )
    ]
