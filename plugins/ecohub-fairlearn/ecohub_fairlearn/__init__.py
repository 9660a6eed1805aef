"""ecohub-fairlearn: how a model's decisions and errors differ between groups of people.

Two evaluators: ``fairlearn`` (group rates, disparities with bootstrap intervals, verdicts,
intersections and threshold curves, all from one count table; Fairlearn is the reference the
tests hold every number to) and ``crows-pairs`` (a counterfactual probe of text classifiers).
And one command, ``hub fairness FILE``, for decisions stored in a file too large for memory.
Two derivers mitigate a model (``hub derive MODEL --with threshold-optimizer`` or
``exponentiated-gradient``, :mod:`ecohub_fairlearn.mitigation`) and a trainer loads the result.
numpy, pandas and the report modules are imported only when an evaluation or the command runs;
listing plugins loads nothing but this file and the summaries.
"""

from hub import hookimpl
from hub.specs import CommandSpec, DeriverSpec, EvaluatorSpec, TrainerSpec

from ecohub_fairlearn.summary import summarize

HUB_PLUGIN_API = ">=1.1,<2"


def evaluate(inputs):
    """Compare groups of each sensitive column (see :func:`ecohub_fairlearn.assess.assess`)."""
    from ecohub_fairlearn.assess import assess

    return assess(inputs)


def evaluate_counterfactual(inputs):
    """Score CrowS-Pairs sentence pairs (see :mod:`ecohub_fairlearn.counterfactual`)."""
    from ecohub_fairlearn.counterfactual import counterfactual

    return counterfactual(inputs)


def summarize_counterfactual(report):
    from ecohub_fairlearn.counterfactual import summarize_counterfactual

    return summarize_counterfactual(report)


def _load_command():
    from ecohub_fairlearn.command import fairness

    return fairness


@hookimpl
def hub_evaluators():
    return [
        EvaluatorSpec(
            name="fairlearn",
            kind="fairness",
            description=("Group rates and disparities with bootstrap intervals and verdicts, "
                         "intersections, threshold curves and calibration by group"),
            evaluate=evaluate,
            summarize=summarize,
        ),
        EvaluatorSpec(
            name="crows-pairs",
            kind="counterfactual",
            description="Text classifiers: how the score moves between CrowS-Pairs sentence pairs, by bias type",
            evaluate=evaluate_counterfactual,
            summarize=summarize_counterfactual,
            frameworks=("transformers",),
        ),
    ]


@hookimpl
def hub_commands():
    return [CommandSpec(name="fairness", help="Fairness report of decisions in a Parquet or CSV file, in chunks.",
                        load=_load_command)]


def _mitigation(name: str):
    def call(*args):
        from ecohub_fairlearn import mitigation

        return getattr(mitigation, name)(*args)

    return call


@hookimpl
def hub_derivers():
    return [
        DeriverSpec(name="threshold-optimizer", relation="mitigated", derive=_mitigation("threshold_optimizer"),
                    description="Fairlearn ThresholdOptimizer: a randomized threshold per group of a model input "
                                "(--param sensitive=COLUMN, constraint=demographic_parity|equalized_odds)",
                    frameworks=("sklearn",)),
        DeriverSpec(name="exponentiated-gradient", relation="mitigated",
                    derive=_mitigation("exponentiated_gradient"),
                    description="Fairlearn ExponentiatedGradient: refit under a fairness constraint "
                                "(--param sensitive=COLUMN, constraint=..., eps=0.01, max_iter=50)",
                    frameworks=("sklearn",)),
    ]


@hookimpl
def hub_trainers():
    return [TrainerSpec(name="fairlearn-mitigated", framework="fairlearn-mitigated",
                        description="Loads models mitigated by 'hub derive' (skops files and JSON thresholds or "
                                    "weights, never pickles)",
                        fit=_mitigation("fit"), save=_mitigation("save"), load=_mitigation("load"))]
