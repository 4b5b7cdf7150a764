"""The digest's picture: 12 weeks of answered share and median time to first response.

Drawn with matplotlib's object API on an Agg canvas (no pyplot): pyplot keeps
global state that is not safe across threads, and the delivery job renders in a
worker thread so the event loop keeps serving events meanwhile. matplotlib is
imported here, lazily, so nothing else in the bot pays for it.

Sized for a phone: 800x640 pixels, big type, two stacked panels with one
message each, weeks labelled by their Monday.
"""

from __future__ import annotations

import io
from typing import Sequence

from .digest import Week

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 6.4, 100
SHARE_COLOUR = "#2a9d8f"
TIME_COLOUR = "#e76f51"


def _time_scale(values: Sequence[float | None]) -> tuple[float, str]:
    """Seconds -> the unit that keeps the axis numbers short."""
    top = max((v for v in values if v is not None), default=0.0)
    if top >= 2 * 86400:
        return 86400.0, "days"
    if top >= 2 * 3600:
        return 3600.0, "hours"
    return 60.0, "minutes"


def render_png(weeks: Sequence[Week], title: str = "") -> bytes:
    """A PNG of the weekly series (empty weeks leave a gap, never an error)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [f"{w.first_day.day} {w.first_day:%b}" for w in weeks]
    xs = list(range(len(weeks)))
    shares = [None if w.answered_share is None else 100 * w.answered_share for w in weeks]
    scale, unit = _time_scale([w.median_first_response_s for w in weeks])
    medians = [None if w.median_first_response_s is None else w.median_first_response_s / scale for w in weeks]

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    fig.suptitle(title or "Last 12 weeks", fontsize=18, fontweight="bold")

    # Top: answered share as bars, labelled, so the trend reads without gridlines.
    heights = [s if s is not None else 0 for s in shares]
    bars = top.bar(xs, heights, color=SHARE_COLOUR, width=0.7)
    for bar, share, week in zip(bars, shares, weeks):
        text = f"{share:.0f}" if share is not None else ("–" if not week.questions else "")
        top.annotate(text, (bar.get_x() + bar.get_width() / 2, (share or 0) + 2), ha="center", va="bottom", fontsize=11)
    top.set_ylim(0, 118)
    top.set_yticks([0, 50, 100])
    top.set_ylabel("% answered", fontsize=14)
    top.tick_params(labelsize=12)

    # Bottom: median wait as a line; a week with no answered question is a gap.
    points = [(x, m) for x, m in zip(xs, medians) if m is not None]
    if points:
        px, py = zip(*points)
        bottom.plot(px, py, color=TIME_COLOUR, marker="o", linewidth=3, markersize=8)
        bottom.set_ylim(0, max(py) * 1.25 or 1)
    else:
        bottom.set_ylim(0, 1)
        bottom.text(0.5, 0.5, "no answered questions yet", transform=bottom.transAxes, ha="center", va="center", fontsize=14, color="#666")
    bottom.set_ylabel(f"median wait\n({unit})", fontsize=14)
    bottom.set_xticks(xs, labels, rotation=45, ha="right")
    bottom.tick_params(labelsize=12)
    for ax in (top, bottom):
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(-0.6, len(xs) - 0.4)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
