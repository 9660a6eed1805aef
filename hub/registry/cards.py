"""Model cards: a Hugging Face README.md with YAML front matter, written from the registry and editable.

The front matter keys in :data:`OWNED` (license, base model, datasets, metrics, tags, ...) are
facts the registry holds about an immutable version: they are written from the registry every
time, and an edit that changes them is refused, since changing them means registering a new
version. Every other key, and the text, belong to the people editing the card and are kept as
they wrote them. The text between the ``ecohub:registry`` markers is the registry's summary
(the license and why, lineage, use restrictions, files, pickle warnings, metrics, the verdicts
of the canonical fairness report), written afresh each time the card is shown, so restrictions a
parent imposes, and fairness verdicts, cannot be edited away.
"""

from __future__ import annotations

from typing import Any, Mapping

from hub.registry import card_yaml, licenses
from hub.errors import HubError
from hub.registry.lineage import COPY, DATASET
from hub.registry.policy import FAIL, WARN, Check
from hub.registry.records import ReportRecord, VersionRecord

Fairness = tuple[ReportRecord, Mapping[str, Any]]
"""A version's canonical fairness report and its body, for the card's fairness section."""
BEGIN, END = "<!-- ecohub:registry -->", "<!-- /ecohub:registry -->"
OWNED = ("license", "license_name", "license_link", "base_model", "base_model_relation", "datasets", "metrics",
         "model-index", "tags", "pipeline_tag", "library_name", "ecohub")
# The Hugging Face Hub's base_model_relation values; the other relations are fine-tunes to it.
HF_RELATIONS = {"adapter": "adapter", "merged": "merge", "quantized": "quantized"}
CARRIED = ("use-restrictions", "community-license", "naming")


def hub_name(ref: str) -> str:
    """A reference as the Hugging Face Hub names repositories: ``org/name``, without revision or version."""
    name = ref.removeprefix("hf:").removeprefix("datasets/")
    return name.partition("@")[0].partition(":")[0]


def owned_metadata(version: VersionRecord, check: Check) -> dict[str, Any]:
    meta: dict[str, Any] = dict(licenses.hugging_face_fields(version.license, link=version.license_link or None))
    # A copy is the published model itself, not something made from a base.
    bases = [edge for edge in version.lineage if edge.kind != DATASET and edge.relation != COPY]
    if bases:
        names = [hub_name(edge.parent) for edge in bases]
        meta["base_model"] = names[0] if len(names) == 1 else names
        meta["base_model_relation"] = HF_RELATIONS.get(bases[0].relation, "finetune")
    trained_on = [hub_name(edge.parent) for edge in version.lineage if edge.kind == DATASET]
    if trained_on:
        meta["datasets"] = trained_on
    test = version.metrics.get("test", {})
    if version.metrics:
        meta["metrics"] = sorted({key for values in version.metrics.values() for key in values})
    if test:
        dataset = trained_on[0] if trained_on else "unknown"
        meta["model-index"] = [{"name": version.model, "results": [{
            "task": {"type": version.task or "other"},
            "dataset": {"name": dataset, "type": dataset, "split": "test"},
            "metrics": [{"type": key, "value": value, "name": f"test {key}"} for key, value in sorted(test.items())],
        }]}]
    if version.tags:
        meta["tags"] = [f"{key}:{value}" for key, value in sorted(version.tags.items())]
    if version.task:
        meta["pipeline_tag"] = version.task
    if version.framework:
        meta["library_name"] = version.framework
    meta["ecohub"] = {
        "model": version.model,
        "version": version.version,
        "commit": version.commit,
        "license": version.license,
        "declared_license": version.declared_license,
        "lineage": [f"{edge.relation} {edge.parent}" for edge in version.lineage],
        "pickle_files": [file.path for file in version.files if file.pickle],
        "use_restrictions": [finding.message for step in check.steps for finding in step.findings
                             if finding.rule in CARRIED],
    }
    return meta


def summary(version: VersionRecord, check: Check, fairness: Fairness | None = None) -> str:
    """The registry's part of the card text, between the markers."""
    lines = ["## License", "",
             f"**{version.license}** ({licenses.describe(version.license)}), declared as "
             f"{version.declared_license}. License check: **{check.verdict}**.", ""]
    lines += [f"- {reason}" for reason in version.license_reasons]
    carried = [f for step in check.steps for f in step.findings if f.rule in CARRIED]
    if carried:
        lines += ["", "### Use restrictions", "",
                  "This model inherits the restrictions below; whoever uses or shares it must honour them.", ""]
        lines += [f"- {finding.message}" for finding in carried]
    flagged = [f"- **{finding.level}** ({step.parent}): {finding.message}" for step in check.steps
               for finding in step.findings if finding.level in (WARN, FAIL) and finding.rule not in CARRIED]
    if flagged:
        lines += ["", "### License findings", "", *flagged]
    if version.lineage:
        lines += ["", "## Lineage", ""]
        lines += [f"- {edge.relation} `{edge.parent}` ({edge.license})" for edge in version.lineage]
    lines += ["", "## Files", "", "| file | size | sha256 |", "|---|---:|---|"]
    lines += [f"| {file.path} | {file.size} | `{file.sha256}` |" for file in version.files]
    unsafe = [file.path for file in version.files if file.pickle]
    if unsafe:
        lines += ["", f"> **Warning:** {', '.join(unsafe)} {'is' if len(unsafe) == 1 else 'are'} pickle-based: "
                  "loading runs code from the file. Load only what you trust, or convert to safetensors."]
    if version.metrics:
        lines += ["", "## Metrics", "", "| split | metric | value |", "|---|---|---:|"]
        lines += [f"| {split} | {key} | {value:.4f} |" for split, values in sorted(version.metrics.items())
                  for key, value in sorted(values.items())]
    if "deltas" in version.config:
        lines += ["", *_deltas(version.config)]
    if fairness is not None:
        lines += ["", *fairness_section(version, *fairness)]
    return "\n".join(lines)


def fairness_section(version: VersionRecord, report: ReportRecord, body: Mapping[str, Any]) -> list[str]:
    """The verdict of each fairness rule per sensitive column, from the canonical fairness report.

    Only the version's declared evaluation is shown, so the card says what its gates read;
    re-running an evaluation on other columns or rows never changes it.
    """
    provenance = body.get("provenance") or {}
    bins = "; ".join(f"{column} at {', '.join(f'{edge:g}' for edge in edges)}"
                     for column, edges in (provenance.get("bins") or {}).items())
    lines = ["## Fairness", "",
             f"From the canonical `{report.evaluator}` report (#{report.id}): the held-out split of "
             f"{report.dataset} ({provenance.get('rows', '?')} rows), every declared sensitive column "
             f"({', '.join(report.sensitive) or 'none'})" + (f", grouped by the declared bins ({bins})" if bins else "")
             + ". A rule passes when its whole 95% interval meets the threshold, fails when the whole "
             "interval misses it, and is inconclusive otherwise.", "",
             "| column | rule | value | 95% interval | verdict |", "|---|---|---:|---|---|"]
    readings = []
    for feature in body.get("features") or []:
        for verdict in feature.get("verdicts") or []:
            low, high = verdict.get("low"), verdict.get("high")
            interval = "n/a" if low is None or high is None else f"{low:.2f} to {high:.2f}"
            value = "n/a" if verdict.get("value") is None else f"{verdict['value']:.2f}"
            lines.append(f"| {feature.get('feature')} | {verdict.get('rule')} ({verdict.get('op')} "
                         f"{verdict.get('threshold')}) | {value} | {interval} | **{verdict.get('verdict')}** |")
            readings.append(f"- {feature.get('feature')}: {verdict.get('reading', '')}")
    warnings = [f"- {warning}" for warning in body.get("warnings") or []]
    return lines + (["", *readings] if readings else []) + (["", "### Caveats", "", *warnings] if warnings else [])


def _deltas(config: dict[str, Any]) -> list[str]:
    """How a derived version compares with its parent, measured alike on the parent's held-out rows."""
    derived, deltas = config.get("derived", {}), config["deltas"]
    size, latency = deltas["size_bytes"], deltas["latency_ms_per_row"]

    def number(value: Any) -> str:
        return "n/a" if value is None else f"{value:,.4f}" if isinstance(value, float) else f"{value:,}"

    lines = ["## Compared with its parent", "",
             f"{derived.get('relation', 'derived')} from `{derived.get('from', '?')}` by "
             f"`{derived.get('deriver', '?')}`, judged on the parent's {deltas['rows']} held-out rows.", "",
             "| measure | parent | derived | change |", "|---|---:|---:|---:|",
             f"| size (bytes) | {number(size['parent'])} | {number(size['derived'])} | × {number(size['ratio'])} |",
             f"| latency (ms per row) | {number(latency['parent'])} | {number(latency['derived'])} | "
             f"× {number(latency['ratio'])} |"]
    lines += [f"| {key} | {number(v['parent'])} | {number(v['derived'])} | {v['delta']:+.4f} |"
              for key, v in deltas["metrics"].items()]
    lines += [f"| {evaluator}: {key} | {number(v['parent'])} | {number(v['derived'])} | {v['delta']:+.4f} |"
              for evaluator, numbers in deltas["reports"].items() for key, v in numbers.items()]
    return lines


def default_body(version: VersionRecord, description: str) -> str:
    about = f"{description}\n\n" if description else ""
    return f"# {version.model} v{version.version}\n\n{about}{BEGIN}\n{END}\n"


def render(version: VersionRecord, check: Check, metadata: dict[str, Any], body: str,
           fairness: Fairness | None = None) -> str:
    """The card: owned keys from the registry, then the editors' keys; the body with a fresh summary
    (with the canonical fairness report and its body as ``fairness``, when the version has one)."""
    owned = owned_metadata(version, check)
    front = {**owned, **{key: value for key, value in metadata.items() if key not in owned}}
    block = f"{BEGIN}\n{summary(version, check, fairness)}\n{END}"
    before, found, rest = body.partition(BEGIN)
    text = before + block + rest.partition(END)[2] if found else body.rstrip("\n") + "\n\n" + block + "\n"
    return "---\n" + card_yaml.dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + text.lstrip("\n")


def parse(text: str) -> tuple[dict[str, Any], str]:
    """A card's front matter and body."""
    if not text.startswith("---\n"):
        raise HubError("The card has no YAML front matter.",
                       "Start it with a '---' line, the YAML, and another '---' line.")
    front, found, body = text[4:].partition("\n---\n")
    if not found:
        raise HubError("The card's front matter never ends.", "Close it with a '---' line.")
    try:
        meta = card_yaml.load(front) or {}
    except card_yaml.YAMLError as error:
        raise HubError(f"The card's front matter is not valid YAML: {error}.") from None
    if not isinstance(meta, dict):
        raise HubError("The card's front matter is not a mapping of keys to values.")
    return meta, body.lstrip("\n")


def accept_edit(version: VersionRecord, check: Check, text: str,
                fairness: Fairness | None = None) -> tuple[dict[str, Any], str]:
    """What to store from an edited card: the editors' keys and the body, with the summary left out."""
    meta, body = parse(text)
    owned = card_yaml.load(card_yaml.dump(owned_metadata(version, check), sort_keys=False))
    for key in OWNED:
        if meta.get(key) != owned.get(key):
            raise HubError(
                f"'{key}' in the card of {version.ref} is recorded by the registry and cannot be edited.",
                "Register a new version to change it, or restore the value 'hub card show' prints.",
            )
    before, found, rest = body.partition(BEGIN)
    if found:
        inside, closed, after = rest.partition(END)
        if not closed or inside.strip("\n") != summary(version, check, fairness).strip("\n"):
            raise HubError(
                "The text between the ecohub:registry markers is written by the registry and cannot be edited.",
                "Edit outside the markers; the registry rewrites what is between them.",
            )
        body = f"{before}{BEGIN}\n{END}{after}"
    return {key: value for key, value in meta.items() if key not in OWNED}, body
