"""Model version page: one version's facts, card, lineage, files, metrics, reports and sign-off.

``?model=NAME&version=N`` names the version (:mod:`hub.dashboard.choosing`), so the page is a
permalink. Everything in the header comes from the version itself, never from the model's
description, which another version may have written. The reports are summarised here; the
Explanations and Fairness pages show them in full, linked with the same parameters.
"""

import json
import re

import streamlit as st

from hub.dashboard import explanations, fairness, frames, lineage, state
from hub.dashboard.choosing import chosen_version
from hub.errors import HubError
from hub.registry import Registry, VersionRecord, cards, licenses, signoff
from hub.registry.policy import FAIL, WARN

# A card may embed pictures from the internet; the dashboard loads nothing from it, so each
# becomes a link a reviewer can choose to follow.
REMOTE_IMAGE = re.compile(r"!\[([^\]]*)\]\((https?://[^)\s]+)[^)]*\)")
LEVEL_ICONS = {FAIL: ":material/error:", WARN: ":material/warning:"}


def header(registry: Registry, version: VersionRecord) -> None:
    model = registry.get_model(version.model)
    st.title(f"{version.model} v{version.version}")
    facts = [version.model_type or "model type not recorded", version.framework, version.task]
    st.caption(" · ".join(fact for fact in facts if fact) + f" · registered {version.created_at:%Y-%m-%d %H:%M} UTC "
               f"by {version.created_by} · version {version.version} of {len(model.versions)}")
    here = sorted(version.aliases)
    elsewhere = {alias: number for alias, number in model.aliases.items() if number != version.version}
    parts = [f"**Aliases of this version:** {', '.join(f'`{alias}`' for alias in here) or 'none'}"]
    if elsewhere:
        parts.append(f"**Elsewhere:** {frames.aliases_text(elsewhere)}")
    st.markdown(" · ".join(parts))


def sign_off_summary(registry: Registry, version: VersionRecord) -> None:
    latest = registry.latest_sign_off(version)
    link = {"model": version.model, "version": str(version.version)}
    if latest is None:
        st.info(f"Not reviewed: nobody has signed off {version.ref} yet.", icon=":material/pending:")
    else:
        newer = signoff.unseen(latest, registry.canonical_reports(version))
        text = (f"**{'Approved' if latest.approved else 'Rejected'}** by {latest.actor} on "
                f"{latest.at:%Y-%m-%d %H:%M} UTC" + (f": “{latest.comment}”" if latest.comment else ""))
        seen = f"It read {len(latest.reports)} report(s)" + (
            f"; **stale**: {len(newer)} canonical report(s) came after it." if newer else
            ", and they are still the current canonical reports.")
        box = st.error if not latest.approved else st.warning if newer else st.success
        box(f"{text}  \n{seen}", icon=":material/approval:")
    st.page_link("views/signoff.py", label="Sign off this version", icon=":material/approval:", query_params=link)


def card(registry: Registry, version: VersionRecord) -> None:
    try:
        metadata, body = cards.parse(registry.card(version.ref))
    except HubError as error:
        state.show_error(error)
        return
    st.markdown(REMOTE_IMAGE.sub(r"[image: \1](\2)", body))
    with st.expander("Card metadata (YAML front matter)"):
        st.json(metadata, expanded=1)


def lineage_and_license(registry: Registry, version: VersionRecord) -> None:
    check = registry.check_license(version.ref)
    graph = registry.lineage(version.ref)
    graph_column, license_column = st.columns([3, 2])
    with graph_column:
        if graph.ancestors or graph.descendants:
            st.graphviz_chart(lineage.dot(graph, version.license, check))
            st.caption("Parents above, derived versions below; dashed: outside this registry; a red or orange "
                       "edge fails or warns under the license policy.")
        else:
            st.caption("No recorded parents and nothing derived from it.")
    with license_column:
        license_name = licenses.describe(version.license)
        st.metric("License", version.license, help=license_name)
        st.markdown(f"**{license_name}** (declared `{version.declared_license}`). Why this license:")
        st.markdown("\n".join(f"- {reason}" for reason in version.license_reasons) or "- no reasons recorded")
        st.markdown(f"License policy over the lineage: **{check.verdict}**")
        for step in check.steps:
            for finding in step.findings:
                if finding.level in LEVEL_ICONS:
                    st.markdown(f"{LEVEL_ICONS[finding.level]} {step.parent} → {step.child} ({step.relation}): "
                                f"{finding.message}")
        for note in check.notes:
            st.markdown(f"{LEVEL_ICONS.get(note.level, '')} {note.message}")
    training(version)


def training(version: VersionRecord) -> None:
    st.metric("Trained on", frames.trained_on(version))
    split = version.config.get("split", {})
    lines = [
        f"- **{use.dataset}** ({use.role}) from plugin `{use.plugin}`: {use.rows} rows, license {use.license}, "
        f"data sha256 `{use.sha256[:12]}…`"
        for use in version.datasets
    ]
    if split:
        lines.append(f"- split: {split.get('method', '?')}, {split.get('train_rows', '?')} training rows, "
                     f"{split.get('test_rows', '?')} held out (seed {version.config.get('seed', '?')})")
    lines.append(f"- {version.model_type} ({version.framework}), fitted by trainer `{version.trainer}`")
    st.markdown("\n".join(lines))


def files(registry: Registry, version: VersionRecord) -> None:
    bases = [registry.resolve(edge.parent) for edge in registry.lineage(version.ref).ancestors
             if edge.kind == "model" and edge.internal]
    base_files = [file.sha256 for base in bases for file in base.files]
    table = frames.files_frame(version, registry.store, base_files)
    st.dataframe(table, hide_index=True, key="files", column_config={
        column: st.column_config.NumberColumn(format="localized") for column in
        ("Logical bytes", "Stored bytes", "New beyond base")})
    new = registry.store.stored_size([*base_files, *(f.sha256 for f in version.files)]) - registry.store.stored_size(
        base_files)
    against = f" beyond its base{'s' if len(bases) > 1 else ''} ({', '.join(b.ref for b in bases)})" if bases else ""
    st.caption(f"{int(table['Logical bytes'].sum()):,} bytes as pulled; the store holds {new:,} new bytes for this "
               f"version{against}. Files and tensors shared with other versions are stored once.")
    with st.expander("Configuration"):
        st.json(version.config, expanded=1)


def metrics(version: VersionRecord) -> None:
    numbers = frames.headline(version)
    if not version.metrics:
        st.info("No metrics were recorded for this version.")
        return
    for column, (key, value) in zip(st.columns(max(len(numbers), 1)), numbers.items()):
        column.metric(f"Held-out {frames.metric_label(key)}", f"{value:.3f}")
    st.dataframe(frames.metrics_frame(version.metrics), column_config={
        split: st.column_config.NumberColumn(format="%.3f") for split in version.metrics
    })
    st.caption("On the held-out split. A much better score on the training split means overfitting.")


def reports(registry: Registry, version: VersionRecord) -> None:
    """The canonical report of each evaluator (an evaluator without one shows its newest), in brief."""
    shown = registry.reviewed_reports(version)
    if not shown:
        st.info(f"No reports yet. Run `hub evaluate {version.ref}` to add SHAP and fairness reports.",
                icon=":material/info:")
        return
    link = {"model": version.model, "version": str(version.version)}
    for evaluator, report in sorted(shown.items()):
        body = state.read_report(report)
        badges = explanations.badges(body) if explanations.is_explanation(body) else \
            fairness.badges(body) if fairness.is_fairness(body) else []
        st.markdown(f"**{evaluator}** ({report.kind}, {report.role}) on {report.dataset}, "
                    f"{report.created_at:%Y-%m-%d %H:%M} UTC, sha256 `{report.sha256[:12]}…`  \n" + " ".join(badges))
        page = "views/explanations.py" if explanations.is_explanation(body) else \
            "views/fairness.py" if fairness.is_fairness(body) else None
        links, download = st.columns([3, 1])
        if page:
            links.page_link(page, label=f"Open the {report.kind} report", icon=":material/open_in_new:",
                            query_params=link)
        download.download_button("Report JSON", json.dumps(body, indent=2, sort_keys=True),
                                 file_name=f"{version.model.replace('/', '--')}-v{version.version}-{evaluator}.json",
                                 mime="application/json", key=f"download-{report.id}", icon=":material/download:")


registry = state.registry()
version = chosen_version(registry)
header(registry, version)
sign_off_summary(registry, version)
overview, card_tab, lineage_tab, files_tab = st.tabs(["Overview", "Model card", "Lineage and license", "Files"])
with overview:
    st.header("Metrics")
    metrics(version)
    st.header("Reports")
    reports(registry, version)
with card_tab:
    card(registry, version)
with lineage_tab:
    lineage_and_license(registry, version)
with files_tab:
    files(registry, version)
