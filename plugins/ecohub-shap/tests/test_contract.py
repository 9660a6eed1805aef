"""The plugin contract every ecohub plugin should pass (hub.testing), run against this one."""

import ecohub_shap
from hub.testing import PluginContract


class TestContract(PluginContract):
    plugin = ecohub_shap
    name = "shap"
