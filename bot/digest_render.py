"""The digest in words: text (to forward to a team), JSON, and the DM note (HTML: ``bot.digest_html``).

Every member-supplied string (names, excerpts) was neutralised when the figures
were computed (``bot.digest``); HTML output escapes again, because HTML is a new
context. The bot never thanks anyone itself: "people to thank" is worded as a
suggestion to the moderator reading it.
"""

from __future__ import annotations

import json

from .digest import DigestData, Group, Rates, Waiting, arrow
from .outbound import Note
from .render import age

DM_UNANSWERED = 3  # oldest unanswered questions quoted in the DM; the rest are counted
THANKS_FRAME = "People to thank (a personal thank-you from you means more than any bot could)"


def pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.0%}"


def wait(seconds: float | None) -> str:
    """A time to first response, precise enough to compare two of them: 45s, 1m30s, 14m, 2h05m, 3d4h."""
    if seconds is None:
        return "n/a"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 600:
        m, rest = divmod(s, 60)
        return f"{m}m{rest:02d}s" if rest else f"{m}m"
    return age(s)


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _was(now: Rates, before: Rates, attr: str, fmt) -> str:
    """' ↑ (was 40%)': the change against the period before, when there is one (→ = about the same)."""
    a, b = getattr(now, attr), getattr(before, attr)
    if a is None or b is None:
        return ""
    return f" {arrow(a, b, relative=attr.endswith('_s'))} (was {fmt(b)})"


def headline(d: DigestData) -> list[str]:
    t, p = d.totals, d.previous
    asked = plural(t.questions, "question") + f" asked (the {'week' if d.period.is_week else 'period'} before: {p.questions})"
    lines = [
        asked,
        f"Answered: {t.answered} of {t.questions} ({pct(t.answered_share)}){_was(t, p, 'answered_share', pct)} · "
        f"within the window: {pct(t.within_window_share)}{_was(t, p, 'within_window_share', pct)}",
        f"Time to first response: median {wait(t.median_first_response_s)}{_was(t, p, 'median_first_response_s', wait)} · p90 {wait(t.p90_first_response_s)}",
    ]
    if t.not_a_question:
        lines.append(f"({plural(t.not_a_question, 'message')} marked 'not a question' by moderators left out of these figures)")
    return lines


def _group_line(g: Group, width: int) -> str:
    f = g.figures
    where = g.name if g.channel is not None else g.platform
    label = f"{g.platform} {where}" if g.channel is not None else where
    return f"  {label:<{width}} {f.questions:>5}  {pct(f.answered_share):>8}  {pct(f.within_window_share):>9}  {wait(f.median_first_response_s):>8}"


def table(groups: list[Group]) -> list[str]:
    labels = [f"{g.platform} {g.name}" if g.channel is not None else g.platform for g in groups]
    width = max([len(x) for x in labels] + [12])
    head = f"  {'where':<{width}} {'asked':>5}  {'answered':>8}  {'in window':>9}  {'median':>8}"
    return [head] + [_group_line(g, width) for g in groups]


def unanswered_tail(d: DigestData) -> str:
    """What the list of waiting questions leaves out: more of this period's, and older ones ("" if nothing)."""
    tail = []
    if d.unanswered_more:
        tail.append(f"…and {d.unanswered_more} more")
    if d.older_open:
        tail.append(f"plus {plural(d.older_open, 'older question')} still open from before")
    return "; ".join(tail)


def waiting_line(w: Waiting) -> str:
    flags = []
    if w.first_time:
        flags.append("first question here")
    if w.claimed_by:
        flags.append(f"claimed by {w.claimed_by}")
    if w.answered_since:
        flags.append("answered since")
    extra = f" ({', '.join(flags)})" if flags else ""
    return f"{age(w.age_s):>7}  {w.platform} {w.channel} · {w.asker}: {w.excerpt}{extra}"


def memory_line(d: DigestData) -> str | None:
    """Said when the tracker has watched too briefly to know who is new."""
    f = d.fairness
    if not f.memory_too_short:
        return None
    known = "no history at all" if f.memory_days is None else f"only {plural(int(f.memory_days), 'day')} of history"
    return (
        f'  ⓘ The tracker had {known} before this {"week" if d.period.is_week else "period"}: some "first-time askers" '
        "may be regulars it had not seen yet (replay an export, or wait a few weeks, to know)."
    )


def fairness_lines(d: DigestData) -> list[str]:
    f = d.fairness
    memory = memory_line(d)
    if not f.first_time.questions or not f.returning.questions:
        who = "first-time askers" if f.first_time.questions else "returning members"
        return [f"  All questions came from {who}: nothing to compare."] + ([memory] if memory else [])

    def row(label: str, r: Rates) -> str:
        return f"  {label}: {plural(r.questions, 'question')}, {pct(r.answered_share)} answered, median wait {wait(r.median_first_response_s)}"

    lines = [row("First-time askers", f.first_time), row("Returning members", f.returning)]
    care = " (few questions: read with care)" if f.small_sample else ""
    if f.newcomers_wait_longer:
        lines.append(f"  ⚠ Newcomers waited longer: median {wait(f.first_time.median_first_response_s)} vs {wait(f.returning.median_first_response_s)}{care}.")
    if f.newcomers_answered_less:
        lines.append(f"  ⚠ Newcomers were answered less often: {pct(f.first_time.answered_share)} vs {pct(f.returning.answered_share)}{care}.")
    if not (f.newcomers_wait_longer or f.newcomers_answered_less):
        lines.append("  Newcomers were answered as well as returning members.")
    if memory:
        lines.append(memory)
    return lines


def bot_line(d: DigestData) -> str:
    b = d.bot
    parts = [
        f"{plural(b.nudges, 'nudge')} to moderators" + (f" about {plural(b.nudged_questions, 'question')}" if b.nudges else ""),
        plural(b.claims, "claim"),
        plural(b.snoozes, "snooze"),
        f"{b.dismissals} marked not a question",
        f"{b.resolves} marked answered elsewhere",
    ]
    if b.failed_sends:
        parts.append(f"{plural(b.failed_sends, 'DM')} failed to send (see `unanswered audit`)")
    return " · ".join(parts)


def text(d: DigestData) -> str:
    p = d.period
    title = f"{'Weekly digest' if p.is_week else 'Digest'} · {p.id} · {p.label} ({p.tz})"
    out = [title, "=" * min(len(title), 78), ""]
    if d.empty:
        out.append(f"No questions this {'week' if p.is_week else 'period'} in the watched channels.")
        if d.previous.questions:
            out.append(
                f"(The {'week' if p.is_week else 'period'} before had {plural(d.previous.questions, 'question')}, {pct(d.previous.answered_share)} answered.)"
            )
    else:
        out += headline(d)
        if len(d.by_channel) > 1 or len(d.by_platform) > 1:
            out += ["", "By platform"] + table(d.by_platform)
            out += ["", "By channel / feed"] + table(d.by_channel)
    if d.unanswered_total:
        out += ["", "Still unanswered at the end of the period (oldest first)"]
        for w in d.unanswered:
            out.append("  " + waiting_line(w))
            if w.link:
                out.append(f"           {w.link}")
        if tail := unanswered_tail(d):
            out.append("  " + tail + ". (`unanswered status` lists them all.)")
    elif d.older_open:
        out += ["", f"Still open from before: {plural(d.older_open, 'older question')} without a reply. (`unanswered status` lists them.)"]
    if not d.empty:
        out += ["", "Newcomers vs returning members"] + fairness_lines(d)
        out += ["", THANKS_FRAME + ":" if d.thanks else "People to thank:"]
        if d.thanks:
            out += [f"  • {h.name} ({h.platform}): {plural(h.first_responses, 'first response')}" for h in d.thanks]
        else:
            out.append("  No member answered a question first this time.")
        out.append(f"  {plural(d.first_responses_by_members, 'first response')} came from members, {d.first_responses_by_staff} from staff.")
    out += ["", "What the bot did: " + bot_line(d)]
    return "\n".join(out) + "\n"


def as_json(d: DigestData) -> str:
    return json.dumps(d.to_json(), indent=2, ensure_ascii=False) + "\n"


def note(d: DigestData, chart_png: bytes | None = None) -> Note:
    """The short DM version: key figures as fields, the oldest unanswered and whom to thank in the body."""
    p, t, prev = d.period, d.totals, d.previous
    what = "week" if p.is_week else "period"
    footer = f"unanswered · full report: `unanswered digest --period {p.id}`"
    reason = f"the {what}ly digest for {p.id} ({p.label}, {p.tz})" if p.is_week else f"the digest for {p.id}"
    if d.empty:
        body = f"Nobody asked a question in the watched channels during {p.label}."
        if d.older_open:
            body += f" {plural(d.older_open, 'older question')} from before still had no reply."
        return Note(
            kind="digest", title=f"No questions this {what} ({p.id})", body=body, footer=footer, reason=reason, image=chart_png, image_name=f"digest-{p.id}.png"
        )
    fields = [
        ("Questions", f"{t.questions}" + (f" (was {prev.questions})" if prev.questions else "")),
        ("Answered", f"{pct(t.answered_share)}{_was(t, prev, 'answered_share', pct)} · {pct(t.within_window_share)} within the window"),
        ("First response", f"median {wait(t.median_first_response_s)} · p90 {wait(t.p90_first_response_s)}"),
    ]
    if d.unanswered_total:
        oldest = d.unanswered[0]
        fields.append(("Still unanswered", f"{d.unanswered_total} · oldest waited {age(oldest.age_s)}"))
    f = d.fairness
    if f.first_time.questions and f.returning.questions:
        flag = " ⚠" if f.newcomers_wait_longer or f.newcomers_answered_less else ""
        memory = "" if not f.memory_too_short else f" · tracker memory {int(f.memory_days or 0)} days: read with care"
        fields.append(
            (
                "Newcomers",
                f"{pct(f.first_time.answered_share)} answered, median {wait(f.first_time.median_first_response_s)} "
                f"(returning: {pct(f.returning.answered_share)}, {wait(f.returning.median_first_response_s)}){flag}{memory}",
            )
        )
    fields.append(("The bot", bot_line(d)))
    lines: list[str] = []
    if d.unanswered:
        lines.append("Oldest unanswered:")
        for w in d.unanswered[:DM_UNANSWERED]:
            lines.append(f"• {w.channel} · {w.asker}: {w.excerpt} ({age(w.age_s)})" + (f" {w.link}" if w.link else ""))
        rest = d.unanswered_total - min(len(d.unanswered), DM_UNANSWERED)
        if rest:
            lines.append(f"…and {rest} more.")
    if d.thanks:
        lines.append("Worth a personal thank-you from you: " + ", ".join(f"{h.name} ({h.first_responses})" for h in d.thanks) + ".")
    return Note(
        kind="digest",
        title=f"Your {what} in the community · {p.id}: {plural(t.questions, 'question')}, {pct(t.answered_share)} answered",
        fields=tuple(fields),
        body="\n".join(lines),
        footer=footer,
        reason=reason,
        image=chart_png,
        image_name=f"digest-{p.id}.png",
    )
