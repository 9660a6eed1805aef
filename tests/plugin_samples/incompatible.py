"""A plugin written for a plugin API this hub does not provide."""

from hub import hookimpl
from hub.specs import DatasetSpec

HUB_PLUGIN_API = ">=2,<3"


@hookimpl
def hub_datasets():
    return [DatasetSpec(name="future", description="From the future", load=lambda: None, target="y",
                        positive_label=1, license="mit")]
