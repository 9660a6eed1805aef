"""``hub register``: register a folder of model files (or one file) as the next version of a model."""

from __future__ import annotations

from pathlib import Path

import click

from hub.commands import open_registry
from hub.output import console, emit_json
from hub.registry.lineage import MODEL_RELATIONS


def split_license(ref: str) -> tuple[str, str | None]:
    """``REF=LICENSE`` states the license of a parent the registry cannot look up."""
    ref, _, license = ref.partition("=")
    return ref, license or None


def dataset_parent(ref: str):
    """A dataset parent; an installed dataset's license comes from its plugin."""
    from hub.plugins.manager import installed_plugins
    from hub.registry import Parent

    ref, license = split_license(ref)
    if license is None and not ref.startswith("hf:"):
        license = installed_plugins().get("datasets", ref).spec.license
    return Parent(ref, relation="trained_on", kind="dataset", license=license)


@click.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--name", required=True, help="The model: NAME or NAMESPACE/NAME.")
@click.option("--license", "license_", required=True,
              help="The declared license: an id or expression, as in apache-2.0 or 'mit AND cc-by-4.0'.")
@click.option("--license-name", help="With --license other: the license's name.")
@click.option("--license-link", help="With --license other: a link to its text, or LICENSE for a file in PATH.")
@click.option("--base-model", "bases", multiple=True, metavar="MODEL[:V|@ALIAS] | hf:ORG/NAME@REV[=LICENSE]",
              help="What it was made from; repeatable. Give an external model's license after '='.")
@click.option("--relation", type=click.Choice(MODEL_RELATIONS), default="finetune", show_default=True,
              help="How it was made from the base models.")
@click.option("--dataset", "datasets", multiple=True, metavar="NAME | hf:datasets/ORG/NAME@REV[=LICENSE]",
              help="A dataset it was trained on; repeatable. An installed dataset's license is looked up.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="A tag; repeatable.")
@click.option("--description", default="", help="What the model does, for a new model.")
@click.option("--task", default="", help="Its task, such as text-generation.")
@click.option("--framework", default="", help="Its framework, such as transformers.")
@click.option("--follow-symlinks", is_flag=True,
              help="Store what links pointing out of PATH point to; by default such links are refused.")
@click.option("--allow-pickle", is_flag=True, help="Accept pickle-based files; the model card will warn about them.")
@click.option("--justification", help="Why to go ahead despite a license policy failure (audited).")
@click.option("--json", "as_json", is_flag=True, help="Print the registered version as JSON.")
@click.pass_context
def register(ctx, path, name, license_, license_name, license_link, bases, relation, datasets, tags, description,
             task, framework, follow_symlinks, allow_pickle, justification, as_json) -> None:
    """Register the files under PATH as the next version of a model, with its license and lineage.

    A link to a file or folder inside PATH is stored as what it points to; a link out of PATH (unless
    --follow-symlinks), a dangling link, a loop, a named pipe, a device or a socket is refused by
    name. Git's .git and Hugging Face's .cache/huggingface folders are left out.
    """
    from hub.registry import Parent
    from hub.sharing.folders import read_folder

    pairs = {}
    for pair in tags:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"'{pair}' is not KEY=VALUE.", param_hint="--tag")
        pairs[key] = value
    parents = [Parent(ref, relation=relation, license=license) for ref, license in map(split_license, bases)]
    files = read_folder(path, follow_symlinks=follow_symlinks)
    registry = open_registry(ctx)
    record = registry.register_version(
        name, files=files, license=license_, license_name=license_name, license_link=license_link,
        lineage=[*parents, *(dataset_parent(ref) for ref in datasets)], tags=pairs, description=description,
        task=task, framework=framework, allow_pickle=allow_pickle, justification=justification,
    )
    check = registry.check_license(record.ref)
    if as_json:
        emit_json({**record.as_dict(), "license_check": check.as_dict()})
        return
    out = console()
    out.print(f"Registered [bold]{record.ref}[/] (commit {record.commit[:12]}, {len(record.files)} files), "
              f"license {record.license}; license check: {check.verdict}")
    for step in check.steps:
        for finding in step.findings:
            if finding.level != "pass":
                out.print(f"  {finding.level}: {finding.message}", markup=False, highlight=False)
