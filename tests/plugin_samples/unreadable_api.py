"""A plugin whose declared plugin API is not a version range."""

HUB_PLUGIN_API = "the latest one"
