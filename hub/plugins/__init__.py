"""The plugin machinery: what plugins may provide, how they are found, chosen, installed and tested.

- :mod:`~hub.plugins.hookspecs`: the hooks a plugin implements.
- :mod:`~hub.plugins.manager`: loads entry points, validates what each hook returns, names the
  plugin at fault.
- :mod:`~hub.plugins.selection`: which plugins are enabled (``HUB_LOAD_PLUGINS``, ``hub plugins
  disable``).
- :mod:`~hub.plugins.installer` and :mod:`~hub.plugins.catalog`: installing plugins with pip, and
  the catalog ``hub plugins search`` reads.
- :mod:`~hub.plugins.scaffold`: ``hub plugins new``.
- :mod:`~hub.plugins.testing`: the pytest kit (published as ``hub.testing``).
- :mod:`~hub.plugins.events`: forwards the registry's events to plugin hooks.

``from hub.plugins import installed_plugins, load_plugins`` is the public way in; the names resolve
on the manager when first asked for, so a test that replaces ``hub.plugins.manager.installed_plugins``
is seen through this module too.
"""

PUBLIC = ("ENTRY_POINT_GROUP", "Plugins", "installed_plugins", "load_plugins")


def __getattr__(name: str):
    if name in PUBLIC:
        from hub.plugins import manager

        return getattr(manager, name)
    raise AttributeError(f"module 'hub.plugins' has no attribute {name!r}")
