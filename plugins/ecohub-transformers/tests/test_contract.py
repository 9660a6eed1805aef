"""The plugin contract (hub.testing), with the model check done on text, the task these models have."""

import ecohub_transformers
from hub.testing import PluginContract
from hub.specs import FitRequest, no_progress


class TestContract(PluginContract):
    plugin = ecohub_transformers
    name = "transformers"

    def test_model_types_train_save_load_and_predict(self, contract_plugins, tmp_path, sms, base_model, tiny):
        X, y = sms
        trainer = contract_plugins.trainer_for("transformers").spec
        for spec in self._own(contract_plugins, "models"):
            request = FitRequest(model=spec, params={**spec.default_params, **tiny}, X=X, y=y, seed=0,
                                 progress=no_progress, task="text-classification", classes=("ham", "spam"),
                                 base=base_model)
            fitted = trainer.fit(request)
            scores = fitted.predict_proba(X)
            assert scores.shape == (len(X), 2) and ((scores >= 0) & (scores <= 1)).all()
            folder = tmp_path / spec.name
            folder.mkdir()
            trainer.save(fitted, folder)
            base = base_model.directory if spec.base_relation == "adapter" else None
            assert (trainer.load(folder, base=base).predict_proba(X) == scores).all(), spec.name
