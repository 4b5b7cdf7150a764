"""The HTML digest says everything the text one does; the chart shows counts, both shares, a target, and years."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta, timezone

from bot import digest, digest_html, digest_render
from bot.chart import render_png, week_labels

from .test_digest import build_history, period, settings  # noqa: F401  (the fixture)


def _visible(page: str) -> str:
    text = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text))


async def test_html_has_every_part_of_the_text_digest(settings, tracker):  # noqa: F811
    await build_history(settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    text = digest_render.text(d)
    page = digest_html.html_page(d, render_png(d.weekly))
    seen = _visible(page)
    for heading in (
        "By platform",
        "By channel / feed",
        "Still unanswered at the end of the period",
        "Newcomers vs returning members",
        "People to thank",
        "What the bot did",
    ):
        assert heading in text and heading in seen, heading
    for line in text.splitlines():
        words = re.sub(r"\s+", " ", line).strip().rstrip(":").lstrip("• ").removeprefix("What the bot did: ")
        if not words or set(words) <= {"="} or words.startswith(("where ", "slack ", "discord ")) or words in ("slack", "discord"):
            continue  # the title's underline and the padded table rows (checked below, cell by cell)
        if words.startswith("Weekly digest"):
            words = "Weekly digest · 2026-W02"
        if words.startswith("https://"):
            assert f"href='{words}'" in page, words  # the link is the line itself, clickable
            continue
        assert words in seen, words
    assert "came from members" in seen and "from staff" in seen
    for g in d.by_platform + d.by_channel:
        assert f"<td data-label='asked'>{g.figures.questions}</td>" in page
    assert page.count("<a href='https://example.test/") == len([w for w in d.unanswered if w.link]) == 2
    assert "<meta name=viewport" in page and "data:image/png;base64," in page


async def test_html_without_a_chart_and_an_empty_week(settings, tracker):  # noqa: F811
    await build_history(settings, tracker)
    page = digest_html.html_page(digest.compute(tracker, settings, period("2026-W05", settings)))
    assert "No questions this week" in page and "<img" not in page and "older question" in page


def test_week_labels_carry_the_year_where_weeks_cross_new_year():
    first = date(2025, 11, 24)
    weeks = [digest.Week(f"w{i}", first + timedelta(weeks=i), datetime(2025, 1, 1, tzinfo=timezone.utc), 0, None, None) for i in range(12)]
    labels = week_labels(weeks)
    assert labels[0] == "24 Nov\n2025"
    assert labels[5] == "29 Dec" and labels[6] == "5 Jan\n2026"  # the week of New Year's day is 2025's Monday
    assert sum("\n" in x for x in labels) == 2


async def test_chart_draws_counts_shares_and_a_target(settings, tracker, monkeypatch):  # noqa: F811
    await build_history(settings, tracker)
    weeks = digest.compute(tracker, settings, period("2026-W02", settings)).weekly
    assert weeks[-1].within_window_share is not None and weeks[-1].questions == 6
    from matplotlib.axes import Axes

    drawn: dict[str, list] = {"bar": [], "plot": [], "axhline": []}
    for name in drawn:
        real = getattr(Axes, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            drawn[_name].append((args, kwargs))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Axes, name, spy)
    png = render_png(weeks, "Last 12 weeks", target=0.75)
    assert png[:4] == b"\x89PNG"
    (xs, counts), _ = drawn["bar"][0]
    assert list(counts) == [w.questions for w in weeks]
    assert [kw["label"] for _, kw in drawn["plot"]] == ["answered", "within the window"]
    assert drawn["axhline"][0][0][0] == 75 and "target 75%" == drawn["axhline"][0][1]["label"]
