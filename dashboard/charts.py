"""Altair charts built from report bodies. Each takes plain report data and returns a chart."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import altair as alt
import pandas as pd

from hub.dashboard.frames import format_value

RAISES, LOWERS, TOTAL = "raises the output", "lowers the output", "total"
EFFECT_COLORS = alt.Scale(domain=[RAISES, LOWERS], range=["#d6604d", "#4393c3"])
RATE_METRICS = {"selection_rate": "Selection rate", "tpr": "TPR", "fpr": "FPR"}
RATE_COLORS = alt.Scale(domain=list(RATE_METRICS.values()), range=["#4c78a8", "#54a24b", "#f58518"])
ROW_HEIGHT = 28
LABEL_LIMIT = 360
# Streamlit's default autosize squeezes axes and legends into the height; keep the height for the marks.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def _category_axis() -> alt.Axis:
    return alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False, labelFontSize=12)


def importance_chart(global_importance: Sequence[Mapping[str, Any]], output_space: str, top: int = 20) -> alt.Chart:
    """Horizontal bars of mean |SHAP| per original feature, largest first."""
    frame = pd.DataFrame(list(global_importance)[:top], columns=["feature", "mean_abs_shap"])
    axis_title = f"mean |SHAP value| ({output_space})"
    base = alt.Chart(frame).encode(
        y=alt.Y("feature:N", sort="-x", title=None, axis=_category_axis()),
        x=alt.X("mean_abs_shap:Q", title=axis_title),
        tooltip=[alt.Tooltip("feature:N", title="feature"), alt.Tooltip("mean_abs_shap:Q", title=axis_title, format=".4f")],
    )
    bars = base.mark_bar(color="#4c78a8")
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("mean_abs_shap:Q", format=".3f"))
    return (bars + labels).properties(height=ROW_HEIGHT * len(frame), autosize=FIT_WIDTH)


def waterfall_steps(explanation: Mapping[str, Any], top: int = 10) -> pd.DataFrame:
    """One row per step from the base value, through each contribution, to the row's output.

    The ``top`` largest contributions are shown one by one; the rest are summed into one step, so
    the bars still add up exactly to the output.
    """
    contributions = sorted(explanation["contributions"], key=lambda c: abs(c["shap"]), reverse=True)
    shown, rest = contributions[:top], contributions[top:]
    base, output = float(explanation["base_value"]), float(explanation["output"])
    steps = [{"label": "base value E[f(x)]", "start": base, "end": base, "shap": None, "effect": TOTAL}]
    position = base
    items = [(f"{c['feature']} = {format_value(c['value'])}", float(c["shap"])) for c in shown]
    if rest:
        items.append((f"{len(rest)} other features", sum(float(c["shap"]) for c in rest)))
    for label, shap in items:
        steps.append({"label": label, "start": position, "end": position + shap, "shap": shap,
                      "effect": RAISES if shap >= 0 else LOWERS})
        position += shap
    steps.append({"label": "output f(x)", "start": output, "end": output, "shap": None, "effect": TOTAL})
    frame = pd.DataFrame(steps)
    frame["order"] = range(len(frame))
    frame["text"] = [
        f"{row.end:.3f}" if row.effect == TOTAL else f"{row.shap:+.3f}" for row in frame.itertuples()
    ]
    frame["text_at"] = frame[["start", "end"]].max(axis=1)
    return frame


def waterfall_chart(explanation: Mapping[str, Any], output_space: str, top: int = 10) -> alt.Chart:
    """SHAP waterfall: base value → one bar per feature's contribution → the model's output."""
    frame = waterfall_steps(explanation, top)
    axis_title = f"model output ({output_space})"
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", sort=alt.EncodingSortField("order"), title=None, axis=_category_axis()),
        tooltip=[
            alt.Tooltip("label:N", title="step"),
            alt.Tooltip("shap:Q", title="contribution", format="+.4f"),
            alt.Tooltip("end:Q", title="running total", format=".4f"),
        ],
    )
    color = alt.Color("effect:N", scale=EFFECT_COLORS, legend=alt.Legend(title=None, orient="bottom"))
    bars = base.transform_filter(alt.datum.effect != TOTAL).mark_bar(height=18).encode(
        x=alt.X("start:Q", title=axis_title, scale=alt.Scale(zero=False)), x2="end:Q", color=color
    )
    totals = base.transform_filter(alt.datum.effect == TOTAL).mark_point(
        shape="diamond", size=180, filled=True, opacity=1, color="#333333"
    ).encode(x="end:Q")
    reference = alt.Chart(pd.DataFrame({"x": [float(explanation["base_value"])]})).mark_rule(
        strokeDash=[4, 4], color="#888888"
    ).encode(x="x:Q")
    labels = base.mark_text(align="left", dx=6, fontSize=11).encode(x="text_at:Q", text="text:N")
    return (reference + bars + totals + labels).properties(height=ROW_HEIGHT * len(frame), autosize=FIT_WIDTH)


def group_rates_chart(groups: Sequence[Mapping[str, Any]], overall_selection_rate: float | None = None) -> alt.Chart:
    """Selection rate, TPR and FPR side by side for each group; thin-data groups are faded.

    A dashed line marks four fifths of the highest selection rate: a group whose selection-rate
    bar ends below it fails the four-fifths rule.
    """
    rows = [
        {"group": str(g["group"]), "metric": label, "value": g.get(key), "sufficient": bool(g.get("sufficient", True)),
         "count": g.get("count")}
        for g in groups for key, label in RATE_METRICS.items() if g.get(key) is not None
    ]
    frame = pd.DataFrame(rows, columns=["group", "metric", "value", "sufficient", "count"])
    order = [str(g["group"]) for g in groups]
    bars = alt.Chart(frame).mark_bar().encode(
        x=alt.X("group:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=160)),
        xOffset=alt.XOffset("metric:N", sort=list(RATE_METRICS.values())),
        y=alt.Y("value:Q", title="rate", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("metric:N", scale=RATE_COLORS, legend=alt.Legend(title=None, orient="top")),
        opacity=alt.condition(alt.datum.sufficient, alt.value(1.0), alt.value(0.35)),
        tooltip=[
            alt.Tooltip("group:N"), alt.Tooltip("metric:N"), alt.Tooltip("value:Q", format=".1%"),
            alt.Tooltip("count:Q", title="rows"), alt.Tooltip("sufficient:N", title="enough data"),
        ],
    )
    rates = [g["selection_rate"] for g in groups if g.get("selection_rate") is not None]
    if not rates:
        return bars.properties(height=260, autosize=FIT_WIDTH)
    lines = [{"y": 0.8 * max(rates), "line": "four fifths of the highest selection rate"}]
    if overall_selection_rate is not None:
        lines.append({"y": float(overall_selection_rate), "line": "overall selection rate"})
    rules = alt.Chart(pd.DataFrame(lines)).mark_rule(strokeDash=[5, 4]).encode(
        y="y:Q",
        stroke=alt.Stroke("line:N", scale=alt.Scale(range=["#b2182b", "#777777"]),
                          legend=alt.Legend(title=None, orient="bottom", labelLimit=LABEL_LIMIT, direction="vertical")),
        tooltip=[alt.Tooltip("line:N", title=" "), alt.Tooltip("y:Q", title="rate", format=".1%")],
    )
    return (bars + rules).properties(height=260, autosize=FIT_WIDTH)
