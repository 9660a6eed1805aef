"""A plugin that returns plain dicts where DatasetSpecs are expected."""

from hub import hookimpl


@hookimpl
def hub_datasets():
    return [{"name": "credit", "target": "default"}]
