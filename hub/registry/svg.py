"""Small inline SVG charts for reports that must open offline: bars with intervals, and lines.

Every string drawn comes from stored reports (group and feature names are data), so all of it
is escaped; the charts use no script, font or stylesheet from anywhere else.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

PALETTE = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4", "#57606a")
WIDTH, ROW, LABEL = 560, 22, 170


def bars(rows: Sequence[tuple[str, float | None, float | None, float | None]], *, marker: float | None = None,
         marker_label: str = "", scale: float = 1.0, percent: bool = True) -> str:
    """Horizontal bars, one per ``(label, value, low, high)``, with the interval as a whisker and an
    optional vertical ``marker`` (a threshold). ``scale`` is the value at the right edge."""
    plot = WIDTH - LABEL - 60
    height = ROW * len(rows) + 28

    def x(value: float) -> float:
        return LABEL + plot * max(0.0, min(value / scale if scale else 0.0, 1.0))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" '
             f'viewBox="0 0 {WIDTH} {height}" class="chart">']
    for index, (label, value, low, high) in enumerate(rows):
        top = 6 + index * ROW
        parts.append(f'<text x="{LABEL - 6}" y="{top + 14}" text-anchor="end">{escape(_short(label))}</text>')
        if value is None:
            parts.append(f'<text x="{LABEL + 4}" y="{top + 14}" class="muted">n/a</text>')
            continue
        parts.append(f'<rect x="{LABEL}" y="{top + 3}" width="{x(value) - LABEL:.1f}" height="{ROW - 8}" '
                     f'fill="{PALETTE[0]}" opacity="0.75"/>')
        if low is not None and high is not None:
            middle = top + ROW / 2 - 1
            parts.append(f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{middle}" y2="{middle}" class="whisker"/>')
            for end in (low, high):
                parts.append(f'<line x1="{x(end):.1f}" x2="{x(end):.1f}" y1="{middle - 5}" y2="{middle + 5}" '
                             'class="whisker"/>')
        shown = f"{value:.0%}" if percent else f"{value:.3g}"
        parts.append(f'<text x="{x(max(value, high or value)) + 4:.1f}" y="{top + 14}">{shown}</text>')
    if marker is not None:
        parts.append(f'<line x1="{x(marker):.1f}" x2="{x(marker):.1f}" y1="2" y2="{height - 18}" class="marker"/>')
        parts.append(f'<text x="{x(marker):.1f}" y="{height - 4}" text-anchor="middle" class="muted">'
                     f'{escape(marker_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def lines(series: Sequence[tuple[str, Sequence[float], Sequence[float | None]]], *, x_label: str, y_label: str,
          marker: float | None = None) -> str:
    """Lines on a 0..1 × 0..1 plot, one per ``(label, xs, ys)``, with a legend and an optional
    vertical ``marker``. A None y breaks its line."""
    width, height, left, bottom, top = WIDTH, 260, 44, 36, 10
    plot_w, plot_h = width - left - 150, height - bottom - top

    def point(px: float, py: float) -> str:
        return f"{left + plot_w * px:.1f},{top + plot_h * (1 - py):.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'viewBox="0 0 {width} {height}" class="chart">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" class="frame"/>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{left - 4}" y="{top + plot_h * (1 - tick) + 4:.1f}" text-anchor="end" '
                     f'class="muted">{tick:g}</text>')
        parts.append(f'<text x="{left + plot_w * tick:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                     f'class="muted">{tick:g}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text x="12" y="{top + plot_h / 2:.1f}" transform="rotate(-90 12 {top + plot_h / 2:.1f})" '
                 f'text-anchor="middle">{escape(y_label)}</text>')
    if marker is not None:
        parts.append(f'<line x1="{left + plot_w * marker:.1f}" x2="{left + plot_w * marker:.1f}" y1="{top}" '
                     f'y2="{top + plot_h}" class="marker"/>')
    for index, (label, xs, ys) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        runs, current = [], []
        for px, py in zip(xs, ys):
            if py is None:
                runs, current = runs + [current], []
            else:
                current.append(point(px, py))
        for run in [*runs, current]:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        legend_y = top + 14 + index * 16
        parts.append(f'<rect x="{left + plot_w + 12}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + plot_w + 26}" y="{legend_y}">{escape(_short(label, 18))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, limit: int = 26) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
