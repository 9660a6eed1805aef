"""A version's review as one self-contained HTML file: open it offline, attach it, archive it.

Everything is inline (CSS, SVG charts; no script, font or stylesheet from a CDN), so the file
shows the same thing anywhere and years later. It is written from what the registry holds: the
version's facts, its gates judged on its canonical reports, the canonical fairness report (groups
with intervals, verdicts and their readings, intersections, threshold curves) and the canonical
explanation; reports on other rows or columns are listed as not deciding anything.
"""

from __future__ import annotations

from html import escape
from typing import Any, Mapping

from hub.registry import svg
from hub.registry.records import VersionRecord

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:980px;margin:2em auto;padding:0 1em;
color:#1f2328}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f6f8fa}
.pass{color:#1a7f37;font-weight:600}.fail{color:#d1242f;font-weight:600}.inconclusive{color:#9a6700;font-weight:600}
.muted{fill:#57606a;color:#57606a}.chart text{font:11px system-ui,sans-serif}
.chart .whisker{stroke:#1f2328;stroke-width:1.4}
.chart .marker{stroke:#d1242f;stroke-dasharray:4 3}.chart .frame{fill:none;stroke:#d0d7de}
.box{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;background:#f6f8fa}
"""


def render(registry, version: VersionRecord, *, alias: str = "production") -> str:
    """The HTML page of ``version``, with the gates of ``alias``."""
    canonical = registry.canonical_reports(version)
    by_kind = {report.kind: report for report in canonical.values()}
    sections = [_header(version), _gates(registry.gate(version, "alias", alias), alias), _metrics(version)]
    if "fairness" in by_kind:
        sections.append(_fairness(by_kind["fairness"], registry.read_report(by_kind["fairness"])))
    else:
        sections.append("<h2>Fairness</h2><p>No canonical fairness report: run <code>hub evaluate "
                        f"{escape(version.ref)}</code> (its held-out rows, every declared sensitive column).</p>")
    if "explanation" in by_kind:
        sections.append(_explanation(by_kind["explanation"], registry.read_report(by_kind["explanation"])))
    sections.append(_other_reports(version))
    title = escape(f"{version.ref} review")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title>"
            f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>\n")


class Html(str):
    """Text already escaped, put into a table cell as it is."""


def _table(head: tuple[str, ...], rows: list[tuple[Any, ...]], numeric: tuple[int, ...] = ()) -> str:
    header = "".join(f"<th>{escape(str(cell))}</th>" for cell in head)
    body = "".join("<tr>" + "".join(
        f'<td{" class=n" if index in numeric else ""}>{cell if isinstance(cell, Html) else escape(str(cell))}</td>'
        for index, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _verdict(status: str) -> Html:
    return Html(f'<span class="{escape(status)}">{escape(status)}</span>')


def _percent(value, interval=None) -> str:
    if value is None:
        return "n/a"
    text = f"{value:.1%}"
    if interval and None not in interval:
        text += f" ({interval[0]:.1%} to {interval[1]:.1%})"
    return text


def _header(version: VersionRecord) -> str:
    trained = ", ".join(f"{use.dataset} ({use.rows} rows)" for use in version.datasets if use.role == "train")
    facts = [("model", version.model), ("version", version.version), ("commit", version.commit),
             ("license", version.license), ("task", version.task), ("model type", version.model_type),
             ("trained on", trained or "not recorded"), ("registered", f"{version.created_at:%Y-%m-%d %H:%M} UTC "
                                                                        f"by {version.created_by}")]
    facts += [("lineage", "; ".join(f"{edge.relation} {edge.parent}" for edge in version.lineage))] \
        if version.lineage else []
    return f"<h1>{escape(version.ref)}</h1>" + _table(("fact", "value"), facts)


def _gates(results, alias: str) -> str:
    if not results:
        return f"<h2>Gates for @{escape(alias)}</h2><p>No gate applies.</p>"
    ready = all(result.status == "pass" for result in results)
    summary = (f'<p class="box">Ready for @{escape(alias)}: <b class="{"pass" if ready else "fail"}">'
               f'{"yes" if ready else "no"}</b>. Judged on the canonical reports only (the declared evaluation).</p>')
    return (f"<h2>Gates for @{escape(alias)}</h2>{summary}" + _table(
        ("gate", "requirement", "verdict", "detail"),
        [(r.gate, r.requirement, _verdict(r.status), r.detail) for r in results]))


def _metrics(version: VersionRecord) -> str:
    rows = [(split, key, f"{value:.4f}") for split, values in sorted(version.metrics.items())
            for key, value in sorted(values.items())]
    return "<h2>Metrics</h2>" + (_table(("split", "metric", "value"), rows, (2,)) if rows else "<p>None recorded.</p>")


def _fairness(report, body: Mapping[str, Any]) -> str:
    provenance = body.get("provenance") or {}
    parts = ["<h2>Fairness</h2>",
             f"<p>Canonical <code>{escape(report.evaluator)}</code> report #{report.id}: "
             f"{escape(str(provenance.get('scope', report.dataset)))} of {escape(report.dataset)}, "
             f"{escape(str(provenance.get('rows', '?')))} rows; sensitive columns "
             f"{escape(', '.join(report.sensitive) or 'none')}"
             + (f"; bins {escape(str(provenance.get('bins')))}" if provenance.get("bins") else "")
             + f". Intervals: {escape(str((body.get('bootstrap') or {}).get('confidence', 0.95)))} bootstrap "
             f"({escape(str((body.get('bootstrap') or {}).get('resamples', '?')))} resamples).</p>"]
    for feature in body.get("features") or []:
        parts.append(_feature(feature))
    pairs = body.get("intersections") or []
    if pairs:
        parts.append("<h3>Intersections</h3>")
        for pair in pairs:
            rows = [(group.get("group"), group.get("count", ""),
                     _percent(group.get("selection_rate"), (group.get("intervals") or {}).get("selection_rate")),
                     "yes" if group.get("sufficient", True) else "too few rows") for group in pair.get("groups") or []]
            parts.append(f"<h4>{escape(str(pair.get('feature')))}</h4>"
                         + _table(("cell", "n", "selection rate (95% interval)", "enough data"), rows, (1,)))
    warnings = body.get("warnings") or []
    if warnings:
        parts.append("<h3>Caveats</h3><ul>" + "".join(f"<li>{escape(str(w))}</li>" for w in warnings) + "</ul>")
    parts.append(_thresholds(body.get("thresholds")))
    return "".join(parts)


def _feature(feature: Mapping[str, Any]) -> str:
    groups = feature.get("groups") or []
    name = escape(str(feature.get("feature")))
    rows = [(group.get("group"), group.get("count", ""), group.get("positives", ""), group.get("negatives", ""),
             _percent(group.get("selection_rate"), (group.get("intervals") or {}).get("selection_rate")),
             _percent(group.get("accuracy")), _percent(group.get("tpr")), _percent(group.get("fpr")),
             "yes" if group.get("sufficient", True) else "too few")
            for group in groups]
    rates = [(str(group.get("group")), group.get("selection_rate"),
              *(((group.get("intervals") or {}).get("selection_rate")) or (None, None))) for group in groups
             if not isinstance(group.get("selection_rate"), Mapping)]
    highest = max((rate for _, rate, _, _ in rates if rate is not None), default=None)
    chart = svg.bars(rates, marker=None if highest is None else 0.8 * highest,
                     marker_label="four-fifths of the highest rate") if rates else ""
    verdicts = [(verdict.get("rule"), f"{verdict.get('op')} {verdict.get('threshold')}",
                 "n/a" if verdict.get("value") is None else f"{verdict['value']:.3f}",
                 "n/a" if verdict.get("low") is None else f"{verdict['low']:.3f} to {verdict['high']:.3f}",
                 _verdict(str(verdict.get("verdict"))), verdict.get("reading", ""))
                for verdict in feature.get("verdicts") or []]
    return (f"<h3>{name}</h3>"
            + _table(("group", "n", "positives", "negatives", "selection rate (95% interval)", "accuracy", "TPR",
                      "FPR", "enough data"), rows, (1, 2, 3)) + chart
            + (_table(("rule", "threshold", "value", "95% interval", "verdict", "reading"), verdicts)
               if verdicts else "")
            + (f"<p>{escape(str(feature.get('reading')))}</p>" if isinstance(feature.get("reading"), str) else ""))


def _thresholds(thresholds: Mapping[str, Any] | None) -> str:
    if not thresholds:
        return ""
    grid = thresholds.get("grid") or []
    parts = [f"<h3>Threshold curves</h3><p>Each group's selection rate as the decision threshold moves "
             f"({escape(str(thresholds.get('decide', '')))}); the dashed line is the deployed 0.5.</p>"]
    for feature in thresholds.get("features") or []:
        series = [(str(group.get("group")), grid, group.get("selection_rate") or []) for group in feature.get("groups")
                  or []]
        parts.append(f"<h4>{escape(str(feature.get('feature')))}</h4>"
                     + svg.lines(series, x_label="threshold", y_label="selection rate", marker=0.5))
    return "".join(parts)


def _explanation(report, body: Mapping[str, Any]) -> str:
    importance = (body.get("global_importance") or [])[:15]
    additivity = body.get("additivity") or {}
    values = [item.get("mean_abs_shap") or 0.0 for item in importance]
    chart = svg.bars([(str(item.get("feature")), item.get("mean_abs_shap"), None, None) for item in importance],
                     scale=max(values, default=1.0) or 1.0, percent=False) if importance else ""
    state, css = ("holds", "pass") if additivity.get("passed") else ("fails", "fail")
    return (f"<h2>Explanation</h2><p>Canonical <code>{escape(report.evaluator)}</code> report #{report.id} "
            f"({escape(str(body.get('explainer', '')))}): additivity <b class=\"{css}\">"
            f"{state}</b>. Mean |SHAP| of the top features:</p>{chart}")


def _other_reports(version: VersionRecord) -> str:
    others = [report for report in version.reports if report.role != "canonical"]
    if not others:
        return ""
    rows = [(f"#{report.id}", report.evaluator, report.role, report.dataset, ", ".join(report.sensitive),
             f"{report.created_at:%Y-%m-%d %H:%M}") for report in others]
    return ("<h2>Other reports</h2><p>Stored beside the canonical ones; they decide no verdict. "
            "<i>overlap</i> reports judged rows the model was trained on.</p>"
            + _table(("report", "evaluator", "role", "dataset", "sensitive columns", "created (UTC)"), rows))
