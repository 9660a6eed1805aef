"""Altair charts built from report bodies. Each takes plain report data and returns a chart.

Category axes (groups, features, tokens) never drop a label: each category gets a band of its
own, at least ``ROW_HEIGHT`` tall, with overlap hiding switched off. Squeezing groups into the
width of a column is what once left a five-group chart with three labels.
"""

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
BAR_HEIGHT = 14
LABEL_LIMIT = 360
# Streamlit's default autosize squeezes axes and legends into the height; keep the height for the marks.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


def _category_axis() -> alt.Axis:
    return alt.Axis(labelLimit=LABEL_LIMIT, labelOverlap=False, labelFontSize=12)


def importance_chart(global_importance: Sequence[Mapping[str, Any]], output_space: str, top: int = 20,
                     key: str = "feature") -> alt.Chart:
    """Horizontal bars of mean |SHAP| per original feature (or per token, ``key="token"``), largest first."""
    frame = pd.DataFrame(list(global_importance)[:top], columns=[key, "mean_abs_shap"])
    axis_title = f"mean |SHAP value| ({output_space})"
    base = alt.Chart(frame).encode(
        y=alt.Y(f"{key}:N", sort="-x", title=None, axis=_category_axis()),
        x=alt.X("mean_abs_shap:Q", title=axis_title),
        tooltip=[alt.Tooltip(f"{key}:N", title=key), alt.Tooltip("mean_abs_shap:Q", title=axis_title, format=".4f")],
    )
    bars = base.mark_bar(color="#4c78a8")
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(text=alt.Text("mean_abs_shap:Q", format=".3f"))
    return (bars + labels).properties(height=ROW_HEIGHT * max(len(frame), 1), autosize=FIT_WIDTH)


def importance_by_output_chart(by_output: Mapping[str, Sequence[Mapping[str, Any]]], output_space: str,
                               top: int = 15) -> alt.Chart:
    """Mean |SHAP| per feature and class, the classes side by side in each feature's band."""
    ranking = {}
    for rows in by_output.values():
        for row in rows:
            ranking[row["feature"]] = ranking.get(row["feature"], 0.0) + float(row["mean_abs_shap"])
    features = sorted(ranking, key=ranking.get, reverse=True)[:top]
    frame = pd.DataFrame([{"feature": row["feature"], "class": str(output), "mean_abs_shap": row["mean_abs_shap"]}
                          for output, rows in by_output.items() for row in rows if row["feature"] in features],
                         columns=["feature", "class", "mean_abs_shap"])
    axis_title = f"mean |SHAP value| ({output_space})"
    chart = alt.Chart(frame).mark_bar(height=BAR_HEIGHT / max(len(by_output), 1) * 1.5).encode(
        y=alt.Y("feature:N", sort=features, title=None, axis=_category_axis()),
        yOffset=alt.YOffset("class:N"),
        x=alt.X("mean_abs_shap:Q", title=axis_title),
        color=alt.Color("class:N", legend=alt.Legend(title="class", orient="top")),
        tooltip=["feature:N", "class:N", alt.Tooltip("mean_abs_shap:Q", format=".4f")],
    )
    return chart.properties(height=max(ROW_HEIGHT, 8 * len(by_output)) * max(len(features), 1), autosize=FIT_WIDTH)


def waterfall_steps(explanation: Mapping[str, Any], top: int = 10) -> pd.DataFrame:
    """One row per step from the base value, through each contribution, to the row's output.

    The ``top`` largest contributions are shown one by one; the rest are summed into one step, so
    the bars still add up exactly to the output. A contribution without a recorded ``value`` is
    labelled by its feature alone.
    """
    contributions = sorted(explanation["contributions"], key=lambda c: abs(c["shap"]), reverse=True)
    shown, rest = contributions[:top], contributions[top:]
    base, output = float(explanation["base_value"]), float(explanation["output"])
    steps = [{"label": "base value E[f(x)]", "start": base, "end": base, "shap": None, "effect": TOTAL}]
    position = base
    items = [(f"{c['feature']} = {format_value(c['value'])}" if "value" in c else str(c["feature"]), float(c["shap"]))
             for c in shown]
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


def group_bars_chart(frame: pd.DataFrame, *, title: str, percent: bool = True,
                     rules: Sequence[Mapping[str, Any]] = (), colors: alt.Scale | None = None) -> alt.Chart:
    """One band per group (in the frame's order), one bar per metric inside it, each with its 95%
    interval as a whisker; thin-data groups faded. ``frame`` has ``group, metric, value, low, high,
    sufficient, count``. ``rules`` are vertical reference lines ``{x, line}``.

    Groups run down the y axis so every group keeps a labelled band of its own however many there
    are and however narrow the column is.
    """
    groups = list(dict.fromkeys(frame["group"]))
    metrics = list(dict.fromkeys(frame["metric"]))
    fmt = ".1%" if percent else ".3g"
    axis = alt.Axis(format="%") if percent else alt.Axis()
    base = alt.Chart(frame).encode(
        y=alt.Y("group:N", sort=groups, title=None, axis=_category_axis()),
        yOffset=alt.YOffset("metric:N", sort=metrics),
    )
    color = alt.Color("metric:N", scale=colors or alt.Undefined, sort=metrics,
                      legend=alt.Legend(title=None, orient="top"))
    bars = base.mark_bar(height=BAR_HEIGHT).encode(
        x=alt.X("value:Q", title=title, axis=axis, scale=alt.Scale(domain=[0, 1]) if percent else alt.Undefined),
        color=color,
        opacity=alt.condition(alt.datum.sufficient, alt.value(1.0), alt.value(0.35)),
        tooltip=[alt.Tooltip("group:N"), alt.Tooltip("metric:N"), alt.Tooltip("value:Q", format=fmt),
                 alt.Tooltip("low:Q", title="95% low", format=fmt), alt.Tooltip("high:Q", title="95% high", format=fmt),
                 alt.Tooltip("count:Q", title="rows"), alt.Tooltip("sufficient:N", title="enough data")],
    )
    whiskers = base.transform_filter("isValid(datum.low) && isValid(datum.high)").mark_rule(
        color="#333333").encode(x="low:Q", x2="high:Q")
    layers = [bars, whiskers]
    if rules:
        layers.append(alt.Chart(pd.DataFrame(list(rules))).mark_rule(strokeDash=[5, 4]).encode(
            x="x:Q",
            stroke=alt.Stroke("line:N", scale=alt.Scale(range=["#b2182b", "#777777"]),
                              legend=alt.Legend(title=None, orient="bottom", labelLimit=LABEL_LIMIT,
                                                direction="vertical")),
            tooltip=[alt.Tooltip("line:N", title=" "), alt.Tooltip("x:Q", title="value", format=fmt)],
        ))
    height = max(ROW_HEIGHT, (BAR_HEIGHT + 2) * len(metrics) + 6) * max(len(groups), 1)
    return alt.layer(*layers).properties(height=height, autosize=FIT_WIDTH)


def group_rates_chart(groups: Sequence[Mapping[str, Any]], overall_selection_rate: float | None = None) -> alt.Chart:
    """Selection rate, TPR and FPR of each group of a binary classifier, with 95% intervals.

    A dashed line marks four fifths of the highest selection rate: a group whose selection-rate
    bar ends before it fails the four-fifths rule.
    """
    rows = [
        {"group": str(g["group"]), "metric": label, "value": g.get(key),
         "low": ((g.get("intervals") or {}).get(key) or [None, None])[0],
         "high": ((g.get("intervals") or {}).get(key) or [None, None])[1],
         "sufficient": bool(g.get("sufficient", True)), "count": g.get("count")}
        for g in groups for key, label in RATE_METRICS.items() if g.get(key) is not None
    ]
    frame = pd.DataFrame(rows, columns=["group", "metric", "value", "low", "high", "sufficient", "count"])
    rates = [g["selection_rate"] for g in groups if g.get("selection_rate") is not None]
    lines = [{"x": 0.8 * max(rates), "line": "four fifths of the highest selection rate"}] if rates else []
    if rates and overall_selection_rate is not None:
        lines.append({"x": float(overall_selection_rate), "line": "overall selection rate"})
    return group_bars_chart(frame, title="rate (95% interval)", rules=lines, colors=RATE_COLORS)


def intersection_heatmap(entry: Mapping[str, Any], metric: str = "selection_rate") -> alt.Chart:
    """A two-column intersection (``sex × race``) as a grid: one cell per pair of groups, coloured by
    ``metric``, labelled with its value and row count; cells without enough data are hatched grey."""
    first, second = (entry.get("columns") or ["", ""])[:2]
    rows = []
    for group in entry.get("groups", []):
        parts = str(group["group"]).split(" × ", 1)
        value = group.get(metric)
        rows.append({first: parts[0], second: parts[1] if len(parts) > 1 else "", "value": value,
                     "count": group.get("count"), "sufficient": bool(group.get("sufficient", True)),
                     "text": ("—" if value is None else f"{value:.0%}") + f"\nn={group.get('count')}"})
    frame = pd.DataFrame(rows, columns=[first, second, "value", "count", "sufficient", "text"])
    order_first, order_second = list(dict.fromkeys(frame[first])), list(dict.fromkeys(frame[second]))
    base = alt.Chart(frame).encode(
        y=alt.Y(f"{first}:N", sort=order_first, title=first, axis=_category_axis()),
        x=alt.X(f"{second}:N", sort=order_second, title=second,
                axis=alt.Axis(labelAngle=-30, labelLimit=LABEL_LIMIT, labelOverlap=False, orient="top")),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("value:Q", title=metric.replace("_", " "), scale=alt.Scale(scheme="blues", domain=[0, 1]),
                        legend=alt.Legend(format="%")),
        opacity=alt.condition(alt.datum.sufficient, alt.value(1.0), alt.value(0.4)),
        tooltip=[f"{first}:N", f"{second}:N", alt.Tooltip("value:Q", format=".1%", title=metric),
                 alt.Tooltip("count:Q", title="rows"), alt.Tooltip("sufficient:N", title="enough data")],
    )
    text = base.mark_text(fontSize=11, lineBreak="\n").encode(text="text:N")
    return (cells + text).properties(height=max(44 * len(order_first), 160), autosize=FIT_WIDTH)


def threshold_chart(grid: Sequence[float], feature: Mapping[str, Any], threshold: float, metric: str) -> alt.Chart:
    """How one rate of each group moves with the decision threshold; a rule marks the chosen one."""
    label = RATE_METRICS.get(metric, metric)
    frame = pd.DataFrame([{"threshold": t, "group": str(group["group"]), "value": value}
                          for group in feature.get("groups", []) for t, value in zip(grid, group.get(metric) or [])],
                         columns=["threshold", "group", "value"])
    lines = alt.Chart(frame).mark_line().encode(
        x=alt.X("threshold:Q", title="decision threshold (decide 1 when score ≥ it)"),
        y=alt.Y("value:Q", title=label, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("group:N", sort=list(dict.fromkeys(frame["group"])),
                        legend=alt.Legend(title=feature.get("feature"), orient="right", labelLimit=LABEL_LIMIT)),
        tooltip=["group:N", alt.Tooltip("threshold:Q", format=".2f"), alt.Tooltip("value:Q", format=".1%")],
    )
    rule = alt.Chart(pd.DataFrame({"x": [threshold]})).mark_rule(color="#333333", strokeDash=[4, 4]).encode(x="x:Q")
    return (lines + rule).properties(height=220, autosize=FIT_WIDTH, title=label)


def calibration_chart(edges: Sequence[float], feature: Mapping[str, Any]) -> alt.Chart:
    """Observed positive rate against mean score per tenth of the score range, one line per group;
    the diagonal is perfect calibration."""
    frame = pd.DataFrame([
        {"group": str(group["group"]), "mean_score": score, "observed_rate": observed, "count": count}
        for group in feature.get("groups", [])
        for score, observed, count in zip(group.get("mean_score") or [], group.get("observed_rate") or [],
                                          group.get("count") or [])
        if score is not None and observed is not None
    ], columns=["group", "mean_score", "observed_rate", "count"])
    x = alt.X("mean_score:Q", title="mean score in the bin", scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("observed_rate:Q", title="observed positive rate", scale=alt.Scale(domain=[0, 1]))
    diagonal = alt.Chart(pd.DataFrame({"mean_score": [0.0, 1.0], "observed_rate": [0.0, 1.0]})).mark_line(
        color="#999999", strokeDash=[4, 4]).encode(x=x, y=y)
    color = alt.Color("group:N", sort=list(dict.fromkeys(frame["group"])),
                      legend=alt.Legend(title=feature.get("feature"), orient="right", labelLimit=LABEL_LIMIT))
    # Lines of even width; the points' area shows how many rows each bin holds.
    lines = alt.Chart(frame).mark_line().encode(x=x, y=y, color=color)
    points = alt.Chart(frame).mark_circle(opacity=0.8).encode(
        x=x, y=y, color=color, size=alt.Size("count:Q", legend=None, scale=alt.Scale(range=[15, 250])),
        tooltip=["group:N", alt.Tooltip("mean_score:Q", format=".2f"), alt.Tooltip("observed_rate:Q", format=".1%"),
                 alt.Tooltip("count:Q", title="rows")],
    )
    return (diagonal + lines + points).properties(height=260, autosize=FIT_WIDTH)


def rank_shift_chart(frame: pd.DataFrame, a: str, b: str) -> alt.Chart:
    """A slope chart of feature importance ranks: each feature's rank under version ``a`` on the
    left and ``b`` on the right (1 = most important); ``frame`` has ``feature, rank_a, rank_b``."""
    long = pd.concat([
        pd.DataFrame({"feature": frame["feature"], "version": a, "rank": frame["rank_a"]}),
        pd.DataFrame({"feature": frame["feature"], "version": b, "rank": frame["rank_b"]}),
    ]).dropna()
    encode = dict(
        x=alt.X("version:N", sort=[a, b], title=None, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("rank:Q", scale=alt.Scale(reverse=True, domain=[1, max(len(frame), 1)]), title="importance rank"),
        detail="feature:N",
    )
    lines = alt.Chart(long).mark_line(point=True, color="#4c78a8").encode(
        **encode, tooltip=["feature:N", "version:N", "rank:Q"])
    left = alt.Chart(long).transform_filter(alt.datum.version == a).mark_text(align="right", dx=-8).encode(
        **encode, text="feature:N")
    right = alt.Chart(long).transform_filter(alt.datum.version == b).mark_text(align="left", dx=8).encode(
        **encode, text="feature:N")
    return (lines + left + right).properties(height=ROW_HEIGHT * max(len(frame), 1), autosize=FIT_WIDTH)
