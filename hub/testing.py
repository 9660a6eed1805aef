"""``hub.testing``: the pytest plugin and authoring kit, under the name plugin authors use.

The kit lives in :mod:`hub.plugins.testing`, beside the rest of the plugin machinery. pytest loads
this module through the ``pytest11`` entry point, and plugin tests import ``PluginContract`` from
here, so both keep working wherever the kit's code sits.
"""

from hub.plugins.testing import (
    PluginContract,
    hub_config_dir,
    hub_plugins,
    hub_registry,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_unconfigure,
    register_plugin,
    sample_dataset,
    sample_frame,
    sample_regression_dataset,
)

__all__ = [
    "PluginContract",
    "hub_config_dir",
    "hub_plugins",
    "hub_registry",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_unconfigure",
    "register_plugin",
    "sample_dataset",
    "sample_regression_dataset",
    "sample_frame",
]
