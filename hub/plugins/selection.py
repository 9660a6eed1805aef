"""Which plugins load: the hub's config file, and the switches that override it for one run.

``hub plugins disable NAME`` is remembered in ``config.json`` in the hub's config directory
(``$HUB_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/ecohub``, else ``~/.config/ecohub``). For one run,
``HUB_LOAD_PLUGINS=a,b`` loads only the plugins named (empty: none, which is what ``--no-plugins``
sets) and ``HUB_DISABLE_PLUGINS=a,b`` leaves some out. A plugin is named by its entry-point name
or its package name.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hub.errors import HubError

CONFIG_FILE = "config.json"


def config_dir() -> Path:
    """Where the hub keeps its config and its plugins lock file."""
    if os.environ.get("HUB_CONFIG_DIR"):
        return Path(os.environ["HUB_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "ecohub"


def read_json(path: Path, default: dict) -> dict:
    """A JSON object from a file the hub wrote, or ``default`` when there is none yet."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as error:
        raise HubError(f"Cannot read {path}: {error}.", "Fix or delete the file; the hub recreates it.") from None
    if not isinstance(data, dict):
        raise HubError(f"{path} does not hold a JSON object.", "Fix or delete the file; the hub recreates it.")
    return data


def write_json(path: Path, data: dict) -> None:
    """Replace a file atomically, so an interrupted write never leaves half a config."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False) as out:
        json.dump(data, out, indent=2, sort_keys=True)
        out.write("\n")
    os.replace(out.name, path)


def disabled_plugins() -> set[str]:
    """The plugins ``hub plugins disable`` switched off."""
    return set(read_json(config_dir() / CONFIG_FILE, {}).get("disabled_plugins", []))


def set_disabled(name: str, disabled: bool) -> None:
    path = config_dir() / CONFIG_FILE
    config = read_json(path, {})
    names = set(config.get("disabled_plugins", []))
    names = names | {name} if disabled else names - {name}
    config["disabled_plugins"] = sorted(names)
    write_json(path, config)


def _names(value: str) -> set[str]:
    return {name.strip() for name in value.split(",") if name.strip()}


@dataclass(frozen=True)
class Selection:
    """The plugins chosen for this run. ``only`` is None when every enabled plugin loads."""

    only: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()
    disabled: frozenset[str] = frozenset()

    @classmethod
    def from_environment(cls) -> "Selection":
        only = os.environ.get("HUB_LOAD_PLUGINS")
        return cls(
            only=None if only is None else frozenset(_names(only)),
            excluded=frozenset(_names(os.environ.get("HUB_DISABLE_PLUGINS", ""))),
            disabled=frozenset(disabled_plugins()),
        )

    def why_skipped(self, *names: str) -> str | None:
        """Why a plugin known by these names does not load this run, or None when it loads."""
        named = set(names) - {""}
        if self.only is not None and not named & self.only:
            if not self.only:
                return "plugins are off for this run (--no-plugins or HUB_LOAD_PLUGINS='')"
            return "HUB_LOAD_PLUGINS does not name it"
        if named & self.excluded:
            return "HUB_DISABLE_PLUGINS names it"
        if named & self.disabled:
            return f"disabled in the hub's config ('hub plugins enable {names[0]}' turns it back on)"
        return None
