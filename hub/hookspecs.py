"""The hooks a plugin can implement.

Each hook returns a list of typed specs from :mod:`hub.specs`. Return values are validated in one
place (:mod:`hub.plugins`), which names the plugin when one returns something wrong.
"""

from __future__ import annotations

import pluggy

from hub.specs import DatasetSpec, EvaluatorSpec, ModelSpec, TrainerSpec

hookspec = pluggy.HookspecMarker("ecohub")


@hookspec
def hub_datasets() -> list[DatasetSpec]:
    """Return the datasets this plugin provides.

    Example::

        from hub import hookimpl
        from hub.specs import DatasetSpec

        @hookimpl
        def hub_datasets():
            def load():
                import pandas as pd
                return pd.read_csv("loans.csv")

            return [DatasetSpec(name="loans", description="Loan decisions", load=load,
                                target="approved", positive_label="yes", license="cc-by-4.0",
                                sensitive_features=("sex",))]
    """


@hookspec
def hub_models() -> list[ModelSpec]:
    """Return the kinds of model this plugin can build.

    Example::

        from hub import hookimpl
        from hub.specs import ModelSpec

        @hookimpl
        def hub_models():
            def build(params):
                from sklearn.tree import DecisionTreeClassifier
                return DecisionTreeClassifier(**params)

            return [ModelSpec(name="decision-tree", description="A single decision tree",
                              framework="sklearn", build=build, default_params={"max_depth": 4})]
    """


@hookspec
def hub_trainers() -> list[TrainerSpec]:
    """Return trainers: each fits, saves and safely loads the models of one framework.

    Example::

        from hub import hookimpl
        from hub.specs import TrainerSpec

        @hookimpl
        def hub_trainers():
            def fit(request):
                model = request.model.build(request.params)
                return model.fit(request.X, request.y)

            return [TrainerSpec(name="my-framework", framework="my-framework",
                                description="Fits my-framework models", fit=fit,
                                save=my_save, load=my_load)]
    """


@hookspec
def hub_evaluators() -> list[EvaluatorSpec]:
    """Return evaluators: each turns a model and its evaluation rows into a stored report.

    Example::

        from hub import hookimpl
        from hub.specs import EvaluatorSpec

        @hookimpl
        def hub_evaluators():
            def evaluate(inputs):
                return {"positive_rate": float(inputs.y_pred.mean())}

            return [EvaluatorSpec(name="positive-rate", kind="summary",
                                  description="Share of rows predicted positive",
                                  evaluate=evaluate,
                                  summarize=lambda r: f"positive rate {r['positive_rate']:.1%}")]
    """
