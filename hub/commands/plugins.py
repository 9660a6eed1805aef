"""``hub plugins``: install, find, inspect, switch on and off, create and publish plugins."""

from __future__ import annotations

import re
from pathlib import Path

import click

from hub.output import console, emit_json, table

CATALOG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@click.group()
def plugins() -> None:
    """Install, find, inspect, enable, create and publish plugins."""


def _status(info: dict) -> str:
    return info["status"] if not info["errors"] else f"{info['status']}: {' | '.join(info['errors'])}"


def _provides(info: dict) -> str:
    return "; ".join(f"{noun}: {', '.join(names)}" for noun, names in info["provides"].items())


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_plugins(as_json: bool) -> None:
    """Every plugin with its version, hooks, what it provides and its status."""
    from hub.plugins.manager import installed_plugins

    infos = [info.as_dict() for info in sorted(installed_plugins().infos.values(), key=lambda info: info.name)]
    if as_json:
        emit_json(infos)
        return
    rows = [(i["name"], i["package"], i["version"], ", ".join(i["hooks"]), _provides(i), _status(i)) for i in infos]
    console().print(table("Plugins", ("name", "package", "version", "hooks", "provides", "status"), rows))


def _find_info(name: str):
    from hub.errors import UnknownNameError
    from hub.plugins.installer import canonical
    from hub.plugins.manager import installed_plugins

    infos = installed_plugins().infos
    if name in infos:
        return infos[name]
    for info in infos.values():
        if info.package and canonical(info.package) == canonical(name):
            return info
    raise UnknownNameError(f"No installed plugin named '{name}'.",
                           f"Installed: {', '.join(sorted(infos)) or 'none'} (see 'hub plugins list').")


def plugin_details(name: str) -> dict:
    """Everything ``hub plugins info`` shows about one installed plugin."""
    from importlib import metadata

    from hub import PLUGIN_API_VERSION
    from hub.plugins.installer import direct_url, canonical, read_lock

    info = _find_info(name)
    details = info.as_dict()
    details.update(summary="", requires=[], homepage="", license="", entry_point="", source=None, installed_by_hub=None)
    dist = next((ep.dist for ep in metadata.entry_points(group="ecohub")
                 if ep.name == info.name and ep.dist and ep.dist.name == info.package), None)
    if dist is not None:
        meta = dist.metadata
        urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [] if ", " in url)
        entry_point = next(ep for ep in dist.entry_points if ep.group == "ecohub" and ep.name == info.name)
        details.update(
            summary=meta["Summary"] or "", requires=list(dist.requires or []),
            homepage=urls.get("Homepage", meta.get("Home-page") or ""),
            license=meta.get("License-Expression") or meta.get("License") or "",
            entry_point=entry_point.value, source=direct_url(dist),
        )
        entry = read_lock().get(canonical(dist.name))
        details["installed_by_hub"] = vars(entry) if entry else None
    details["plugin_api"] = {"supports": info.plugin_api or "undeclared", "hub_provides": PLUGIN_API_VERSION}
    details["last_error"] = info.errors[-1] if info.errors else None
    return details


@plugins.command("info")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_command(name: str, as_json: bool) -> None:
    """One plugin: version, package, hooks, what it provides, requirements, plugin API and status."""
    details = plugin_details(name)
    if as_json:
        emit_json(details)
        return
    source = details["source"] or {}
    rows = [
        ("package", f"{details['package']} {details['version']}".strip()),
        ("summary", details["summary"]),
        ("entry point", details["entry_point"]),
        ("status", details["status"]),
        ("last error", details["last_error"] or ""),
        ("hooks", ", ".join(details["hooks"])),
        *((f"provides {noun}", ", ".join(names)) for noun, names in details["provides"].items()),
        ("plugin API", f"supports {details['plugin_api']['supports']}; this hub provides "
                       f"{details['plugin_api']['hub_provides']}"),
        ("requires", ", ".join(details["requires"])),
        ("license", details["license"]),
        ("homepage", details["homepage"]),
        ("installed from", source.get("url", "a package index")),
    ]
    console().print(table(f"Plugin {details['name']}", ("field", "value"), rows))


def _switch(name: str, disabled: bool) -> None:
    from importlib import metadata

    from hub.plugins.installer import canonical
    from hub.plugins.selection import set_disabled

    known = {ep.name for ep in metadata.entry_points(group="ecohub")}
    packages = {canonical(ep.dist.name) for ep in metadata.entry_points(group="ecohub") if ep.dist}
    if name not in known and canonical(name) not in packages:
        raise click.ClickException(f"No installed plugin named '{name}'. Installed: {', '.join(sorted(known))}.")
    set_disabled(name, disabled)
    click.echo(f"Plugin '{name}' {'disabled' if disabled else 'enabled'}; this applies from the next command on.")


@plugins.command("enable")
@click.argument("name")
def enable(name: str) -> None:
    """Load a plugin again that 'hub plugins disable' switched off."""
    _switch(name, disabled=False)


@plugins.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Stop loading a plugin without uninstalling it (remembered in the hub's config)."""
    _switch(name, disabled=True)


def _catalog_entry(spec: str, editable: bool):
    """The index entry a bare name refers to, if an index is configured and lists it."""
    from hub.plugins.catalog import index_location, load_index

    location = index_location()
    if editable or not CATALOG_NAME.fullmatch(spec) or Path(spec).exists():
        return None, location
    if "://" not in location and not Path(location).exists():
        return None, location
    index = load_index(location)
    entry = index.find(spec)
    return (index, entry) if entry else None, location


def _show_loaded(recorded) -> None:
    """Load what was just installed, so a broken plugin is reported now rather than on next use.

    In a new interpreter: an editable install only becomes importable when Python starts.
    """
    import json
    import subprocess
    import sys

    packages = {entry.package for entry in recorded}
    listing = subprocess.run([sys.executable, "-m", "hub", "plugins", "list", "--json"],
                             capture_output=True, text=True, check=True)
    infos = [info for info in json.loads(listing.stdout) if info["package"] in packages]
    rows = [(i["name"], i["package"], i["version"], _provides(i), _status(i)) for i in infos]
    console().print(table("Installed plugins", ("name", "package", "version", "provides", "status"), rows))


@plugins.command("install")
@click.argument("specs", nargs=-1, metavar="SPEC...")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade plugins that are already installed.")
@click.option("-e", "--editable", is_flag=True, help="Install local paths or VCS URLs in editable mode.")
@click.option("-r", "--requirement", "requirements", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Install from a requirements file, such as one 'hub plugins freeze' wrote; repeatable.")
@click.option("--require-hashes", is_flag=True, help="Refuse any distribution the requirements do not pin by hash.")
def install(specs: tuple[str, ...], upgrade: bool, editable: bool, requirements: tuple[str, ...],
            require_hashes: bool) -> None:
    """Install plugins with pip into the hub's own Python: catalog names, package names, paths,
    wheels or VCS URLs. Catalog names are verified against the sha256 the plugin index lists."""
    from hub.plugins import installer

    if not specs and not requirements:
        raise click.UsageError("Name at least one plugin, path, wheel or URL, or a requirements file with -r.")
    recorded, plain = [], []
    for spec in specs:
        found, location = _catalog_entry(spec, editable)
        if found is None:
            plain.append(spec)
            continue
        index, entry = found
        click.echo(f"{spec}: {entry.package} {entry.version} from the plugin index {location}, "
                   f"sha256 {entry.sha256[:12]}...")
        recorded += installer.install_verified(index.requirement(entry), entry.sha256, index=location,
                                               requested=spec, upgrade=upgrade)
    if plain or requirements:
        recorded += installer.install(plain, upgrade=upgrade, editable=editable, requirements=requirements,
                                      require_hashes=require_hashes)
    if not recorded:
        click.echo("Nothing new was installed: those plugins are already installed, or provide no ecohub "
                   "plugin (use -U to upgrade).")
        return
    _show_loaded(recorded)
    click.echo(f"Recorded in {installer.lock_path()}.")


@plugins.command("uninstall")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
def uninstall(names: tuple[str, ...]) -> None:
    """Uninstall plugins, named by plugin or by package."""
    from hub.plugins import installer

    removed = installer.uninstall(names)
    click.echo(f"Uninstalled {', '.join(removed)}.")


@plugins.command("freeze")
@click.option("--hashes", is_flag=True, help="Pin each distribution by its sha256 as well as its version.")
def freeze(hashes: bool) -> None:
    """Print the installed plugin set as requirements: 'hub plugins install -r FILE' reproduces it."""
    from hub.plugins import installer

    lines = installer.freeze(hashes)
    for line in lines:
        click.echo(line.text if line.pinned else f"# not pinnable by hash: {line.text}" if hashes else line.text)
    unpinned = [line.text for line in lines if hashes and not line.pinned]
    if unpinned:
        click.echo(f"Warning: {len(unpinned)} plugin(s) were installed from a directory, in editable mode or from "
                   "version control, so no hash can pin them; they are commented out above. Build a wheel "
                   "and install that to pin them.", err=True)


@plugins.command("search")
@click.argument("term", default="")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search(term: str, as_json: bool) -> None:
    """Search the plugin index (HUB_PLUGIN_INDEX, else the one ecohub ships) by name, hook or provided name."""
    from dataclasses import asdict

    from hub.plugins.installer import canonical, plugin_distributions
    from hub.plugins.catalog import load_index

    index = load_index()
    installed = {name: dist.version for name, dist in plugin_distributions().items()}
    found = [{**asdict(entry), "installed": installed.get(canonical(entry.package))} for entry in index.search(term)]
    if as_json:
        emit_json(found)
        return
    if not found:
        click.echo(f"No plugin in {index.location} matches '{term}'.")
        return
    rows = [(e["name"], e["package"], e["version"], e["summary"], _provides(e), "yes" if e["verified"] else "no",
             e["installed"] or "") for e in found]
    console().print(table(f"Plugins in {index.location}",
                          ("name", "package", "version", "summary", "provides", "verified", "installed"), rows))


@plugins.command("new")
@click.argument("name")
@click.option("--kind", type=click.Choice(["dataset", "model", "trainer", "evaluator"]), default="dataset",
              show_default=True, help="What the example implementation provides.")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Where to create the package folder [default: here].")
def new(name: str, kind: str, directory: Path) -> None:
    """Create a plugin package: pyproject with its entry point, an example, a passing test, a README."""
    from hub.plugins.scaffold import create

    root = create(name, kind, directory)
    click.echo(f"Created {root}. Next:\n"
               f"  hub plugins install -e {root}\n"
               f"  python -m pytest {root}\n"
               f"  hub plugins info {name}")


@plugins.command("publish")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."))
@click.option("--dist", "dist_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the wheel [default: PATH/dist].")
@click.option("--pip", "requirement", metavar="REQUIREMENT",
              help="What the entry tells pip to install: a URL where the wheel will be, or a requirement "
                   "[default: PACKAGE==VERSION, as on PyPI].")
@click.option("--json", "as_json", is_flag=True, help="Print only the entry, as JSON.")
def publish(path: Path, dist_dir: Path | None, requirement: str | None, as_json: bool) -> None:
    """Build PATH's wheel, run the plugin contract on it in a clean environment, and print its catalog entry.

    Add the entry to your organisation's index (HUB_PLUGIN_INDEX), or submit it to ecohub's
    plugins/index.json as CONTRIBUTING.md describes; upload the wheel where its 'pip' points.
    """
    import json

    from hub.plugins.catalog import publish as publish_plugin

    entry, wheel = publish_plugin(path, dist_dir or path / "dist", pip=requirement)
    if as_json:
        emit_json(entry)
        return
    click.echo(f"Built {wheel} (sha256 {entry['sha256']}); the plugin contract passes on it, installed in a clean "
               "environment.\nCatalog entry, for your organisation's index (HUB_PLUGIN_INDEX) or a pull request to "
               "ecohub's plugins/index.json (see CONTRIBUTING.md):\n")
    click.echo(json.dumps(entry, indent=2))
