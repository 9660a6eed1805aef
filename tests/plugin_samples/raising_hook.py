"""A plugin whose hook raises: its datasets are unavailable, its models are still offered."""

from hub import hookimpl
from hub.specs import ModelSpec


@hookimpl
def hub_datasets():
    raise ConnectionError("the dataset server did not answer")


@hookimpl
def hub_models():
    return [ModelSpec(name="stump", description="A one-split tree", framework="sklearn", build=dict)]
