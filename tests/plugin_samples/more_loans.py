"""A plugin that offers a dataset name another plugin already provides, plus one of its own."""

from hub import hookimpl
from hub.specs import DatasetSpec


@hookimpl
def hub_datasets():
    return [
        DatasetSpec(name="loans", description="Someone else's loans", load=lambda: None,
                    target="approved", positive_label="yes", license="mit"),
        DatasetSpec(name="mortgages", description="Mortgage decisions", load=lambda: None,
                    target="granted", positive_label=1, license="mit"),
    ]
