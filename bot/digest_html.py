"""The digest as one self-contained HTML page: everything the text digest says, readable on a phone.

Inline CSS and the chart as a data URI, so the page forwards as one file. Built from the
same pieces as the text (``bot.digest_render``): the headline, by platform, by channel,
the unanswered questions with their links, older open questions, newcomers vs returning
members, people to thank, members vs staff, what the bot did. At 390 px (a phone) the
tables turn into one card per row instead of being cut off: nothing scrolls sideways.

Every member-supplied string is escaped here (HTML is a new context), and only web links
(http/https) become clickable: a feed could carry a ``javascript:`` URL.
"""

from __future__ import annotations

import base64
import html

from .digest import DigestData, Group
from .digest_render import THANKS_FRAME, bot_line, fairness_lines, headline, pct, plural, unanswered_tail, wait, waiting_line

CSS = """*{box-sizing:border-box}body{font-family:system-ui,sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:1.6rem}ul,ol{padding-left:1.2rem}
table{border-collapse:collapse;width:100%}td,th{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left;overflow-wrap:anywhere}
.warn{color:#a33}.muted{color:#666}img{max-width:100%;height:auto}a{overflow-wrap:anywhere}
li{margin:.3rem 0}.flags{color:#666;font-size:.9em}
@media (max-width:34rem){table,thead,tbody,tr,td{display:block}thead,tr.head{display:none}
tr{border-bottom:1px solid #ddd;padding:.3rem 0}td{border:0;text-align:left;padding:.1rem 0}
td:first-child{font-weight:600}td[data-label]::before{content:attr(data-label) ": ";color:#666}}"""

COLUMNS = ("asked", "answered", "in window", "median")


def _table(groups: list[Group], label: str) -> list[str]:
    e = html.escape
    out = [f"<table aria-label='{e(label)}'><thead><tr class=head><th>where</th>" + "".join(f"<th>{c}</th>" for c in COLUMNS) + "</tr></thead><tbody>"]
    for g in groups:
        f = g.figures
        where = f"{g.platform} {g.name}" if g.channel is not None else g.platform
        cells = (str(f.questions), pct(f.answered_share), pct(f.within_window_share), wait(f.median_first_response_s))
        out.append(f"<tr><td>{e(where)}</td>" + "".join(f"<td data-label='{c}'>{e(v)}</td>" for c, v in zip(COLUMNS, cells, strict=True)) + "</tr>")
    out.append("</tbody></table>")
    return out


def _link(url: str | None, text: str) -> str:
    e = html.escape
    if url and url.lower().startswith(("https://", "http://")):
        return f"<a href='{e(url)}'>{text}</a>"
    return text


def html_page(d: DigestData, chart_png: bytes | None = None) -> str:
    e = html.escape
    p = d.period
    what = "week" if p.is_week else "period"
    parts = [
        f"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>unanswered digest {e(p.id)}</title><style>{CSS}</style><body>",
        f"<h1>{'Weekly digest' if p.is_week else 'Digest'} · {e(p.id)}</h1><p class=muted>{e(p.label)} ({e(p.tz)})</p>",
    ]
    if d.empty:
        parts.append(f"<p><strong>No questions this {what}</strong> in the watched channels.</p>")
        if d.previous.questions:
            parts.append(f"<p class=muted>(The {what} before had {plural(d.previous.questions, 'question')}, {pct(d.previous.answered_share)} answered.)</p>")
    else:
        parts.append("<ul class=headline>" + "".join(f"<li>{e(line)}</li>" for line in headline(d)) + "</ul>")
    if chart_png:
        parts.append(
            "<img class=chart width=800 height=640 alt='questions per week, answered and within-window share, last 12 weeks' "
            f"src='data:image/png;base64,{base64.b64encode(chart_png).decode()}'>"
        )
    if not d.empty:
        parts += ["<h2>By platform</h2>", *_table(d.by_platform, "by platform")]
        parts += ["<h2>By channel / feed</h2>", *_table(d.by_channel, "by channel")]
    if d.unanswered_total:
        parts.append("<h2>Still unanswered at the end of the period (oldest first)</h2><ol class=unanswered>")
        for w in d.unanswered:
            parts.append(f"<li>{_link(w.link, e(waiting_line(w).strip()))}</li>")
        parts.append("</ol>")
        if tail := unanswered_tail(d):
            parts.append(f"<p>{e(tail)}. (<code>unanswered status</code> lists them all.)</p>")
    elif d.older_open:
        parts.append(
            f"<h2>Still open from before</h2><p>{e(plural(d.older_open, 'older question'))} without a reply. (<code>unanswered status</code> lists them.)</p>"
        )
    if not d.empty:
        parts.append("<h2>Newcomers vs returning members</h2>")
        parts += [f"<p{' class=warn' if '⚠' in line else ''}>{e(line.strip())}</p>" for line in fairness_lines(d)]
        parts.append(f"<h2>{e(THANKS_FRAME if d.thanks else 'People to thank')}</h2>")
        if d.thanks:
            parts.append(
                "<ul class=thanks>"
                + "".join(f"<li>{e(h.name)} ({e(h.platform)}): {plural(h.first_responses, 'first response')}</li>" for h in d.thanks)
                + "</ul>"
            )
        else:
            parts.append("<p>No member answered a question first this time.</p>")
        parts.append(
            f"<p class=split>{e(plural(d.first_responses_by_members, 'first response'))} came from members, {d.first_responses_by_staff} from staff.</p>"
        )
    parts.append(f"<h2>What the bot did</h2><p>{e(bot_line(d))}</p></body></html>")
    return "\n".join(parts) + "\n"
