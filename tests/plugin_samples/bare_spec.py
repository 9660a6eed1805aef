"""A plugin that returns one DatasetSpec instead of a list of them."""

from hub import hookimpl
from hub.specs import DatasetSpec


@hookimpl
def hub_datasets():
    return DatasetSpec(name="credit", description="Credit defaults", load=lambda: None,
                       target="default", positive_label=1, license="mit")
