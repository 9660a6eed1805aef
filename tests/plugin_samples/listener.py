"""A plugin that records every event it hears, and one whose listener is broken."""

from hub import hookimpl


class Recorder:
    def __init__(self):
        self.heard = []

    @hookimpl
    def hub_before_training(self, name, dataset, model_type, params, seed):
        self.heard.append(("before_training", name, dataset.name, model_type.name, dict(params), seed))

    @hookimpl
    def hub_version_registered(self, version):
        self.heard.append(("version_registered", version.ref))

    @hookimpl
    def hub_after_training(self, version, model):
        self.heard.append(("after_training", version.ref, hasattr(model, "predict_proba")))

    @hookimpl
    def hub_after_evaluation(self, version, reports):
        self.heard.append(("after_evaluation", version.ref, sorted(reports), [r.evaluator for r in version.reports]))


class BrokenListener:
    @hookimpl
    def hub_version_registered(self, version):
        raise RuntimeError("the audit log is full")
