"""A plugin with a typo in a hook name: pluggy alone would accept it and never call it."""

from hub import hookimpl


@hookimpl
def hub_dataset():
    return []
