"""The plugin contract every ecohub plugin should pass (hub.testing), run against this one."""

import ecohub_torch
from hub.testing import PluginContract


class TestContract(PluginContract):
    plugin = ecohub_torch
    name = "torch"
