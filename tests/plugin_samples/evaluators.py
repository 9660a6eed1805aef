"""A plugin written as a class, loaded through a ``module:attribute`` entry point."""

from hub import hookimpl
from hub.specs import EvaluatorSpec


class PositiveRate:
    @hookimpl
    def hub_evaluators(self):
        return [
            EvaluatorSpec(name="positive-rate", kind="summary", description="Share predicted positive",
                          evaluate=lambda inputs: {"positive_rate": float(inputs.y_pred.mean())},
                          summarize=lambda report: f"positive rate {report['positive_rate']:.1%}")
        ]


plugin = PositiveRate()
