"""The digest's picture: 12 weeks of questions asked, answered share and within-window share.

Drawn with matplotlib's object API on an Agg canvas (no pyplot): pyplot keeps
global state that is not safe across threads, and the delivery job renders in a
worker thread so the event loop keeps serving events meanwhile. matplotlib is an
optional extra (``pip install 'unanswered[chart]'``, which ``make`` installs): it is
imported here, lazily, so nothing else in the bot pays for it, and without it the
digest goes out without a picture (``ChartUnavailable`` says how to get one).

Sized for a phone: 800x640 pixels, big type, two stacked panels with one
message each, weeks labelled by their Monday (with the year on the first week and
on the first week of each new year).
"""

from __future__ import annotations

import io
from typing import Sequence

from .digest import Week

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 6.4, 100
COUNT_COLOUR = "#8ab4d8"
SHARE_COLOUR = "#2a9d8f"
WINDOW_COLOUR = "#e76f51"
TARGET_COLOUR = "#555555"
DEFAULT_TARGET = 0.8  # answered-within-the-window share worth aiming for
EXTRA_HINT = "pip install 'unanswered[chart]' (make run / make test install it)"


class ChartUnavailable(RuntimeError):
    """matplotlib (the ``chart`` extra) is not installed."""


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def week_labels(weeks: Sequence[Week]) -> list[str]:
    """ "5 Jan" per week (its Monday), with the year on the first week and on the first week of a new year."""
    out = []
    for i, w in enumerate(weeks):
        label = f"{w.first_day.day} {w.first_day:%b}"
        if i == 0 or w.first_day.year != weeks[i - 1].first_day.year:
            label += f"\n{w.first_day.year}"
        out.append(label)
    return out


def render_png(weeks: Sequence[Week], title: str = "", target: float | None = DEFAULT_TARGET) -> bytes:
    """A PNG of the weekly series (empty weeks leave a gap, never an error)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartUnavailable(f"the weekly chart needs matplotlib, the optional `chart` extra: {EXTRA_HINT}") from None

    labels = week_labels(weeks)
    xs = list(range(len(weeks)))
    counts = [w.questions for w in weeks]
    shares = [None if w.answered_share is None else 100 * w.answered_share for w in weeks]
    within = [None if w.within_window_share is None else 100 * w.within_window_share for w in weeks]

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 3])
    fig.suptitle(title or "Last 12 weeks", fontsize=18, fontweight="bold")

    # Top: how many questions each week had, labelled, so the shares below have their weight.
    bars = top.bar(xs, counts, color=COUNT_COLOUR, width=0.7)
    for bar, n in zip(bars, counts, strict=True):
        top.annotate(str(n), (bar.get_x() + bar.get_width() / 2, n), ha="center", va="bottom", fontsize=11, xytext=(0, 2), textcoords="offset points")
    top.set_ylim(0, max(counts + [1]) * 1.3)
    top.set_ylabel("questions", fontsize=14)
    top.set_yticks([])
    top.tick_params(labelsize=12)

    # Bottom: answered share and within-window share; a week with no question is a gap.
    drew = False
    # The answered line is drawn wider underneath: where both shares are equal, both stay visible.
    for values, colour, name, width, size in ((shares, SHARE_COLOUR, "answered", 5, 11), (within, WINDOW_COLOUR, "within the window", 2, 6)):
        points = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        if points:
            px, py = zip(*points, strict=True)
            bottom.plot(px, py, color=colour, marker="o", linewidth=width, markersize=size, label=name)
            drew = True
    if target is not None:
        bottom.axhline(100 * target, color=TARGET_COLOUR, linestyle="--", linewidth=1.5, label=f"target {target:.0%}")
    if not drew:
        bottom.text(0.5, 0.5, "no questions yet", transform=bottom.transAxes, ha="center", va="center", fontsize=14, color="#666")
    bottom.set_ylim(0, 105)
    bottom.set_yticks([0, 50, 100])
    bottom.set_ylabel("% of questions", fontsize=14)
    bottom.legend(loc="lower left", fontsize=11, frameon=False, ncols=3)
    bottom.set_xticks(xs, labels, rotation=45, ha="right")
    bottom.tick_params(labelsize=12)
    for ax in (top, bottom):
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(-0.6, len(xs) - 0.4)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
