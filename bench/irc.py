"""Load the #ubuntu IRC disentanglement logs into platform-neutral messages.

The data (real logs, CC-BY-4.0) lives outside the repository, in
``../shared/data/irc-ubuntu-dev`` (development split: choose and report) and
``../shared/data/irc-ubuntu-train`` (training split: fit) next to the repo root, or
wherever ``UNANSWERED_IRC_DATA`` / ``UNANSWERED_IRC_TRAIN`` point. It is read at
run time and never copied into the project.

Messages are raw text, as a flat channel's export gives them: no mention metadata.
The core finds plain-text addresses itself (bot/addresses.py). ``mentions=True``
gives the old labelled variant, where the loader pre-fills mentions from the nicks
it has seen (an upper bound: a core told who addresses whom).

Per excerpt ``NAME`` (e.g. ``2009-02-23_10``):
- ``NAME.raw.txt``: ``[HH:MM] <nick> text`` messages, ``[HH:MM] * nick action``
  actions, ``=== ...`` system lines; lines are numbered from 0.
- ``NAME.annotation.txt``: ``A B -`` means line B replies to line A; ``A A -``
  means A starts a conversation. Only lines >= 1000 are annotated.
- ``questions.csv``: ``file,line,label`` with label 1 for a line that opens a
  member request needing a reply.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so `python bench/x.py` finds the `bot` package
    sys.path.insert(0, str(ROOT))

from bot.events import Message  # noqa: E402

PLATFORM = "irc"
FIRST_ANNOTATED = 1000  # lines before this are context only

_MSG = re.compile(r"^\[(\d\d):(\d\d)\]\s+<([^>]+)>\s?(.*)$")
_ACTION = re.compile(r"^\[(\d\d):(\d\d)\]\s+\*\s+(\S+)\s?(.*)$")
_RENAME = re.compile(r"^===\s+(\S+)\s+is\s+now\s+known\s+as\s+(\S+)")
# ubotu/ubottu (factoid bots), FloodBot1, anything named *bot.
_BOT = re.compile(r"^(ubot+u|\w*bot\d*)$", re.IGNORECASE)
# Characters a nick may carry around its "core" that people drop when typing it.
_NICK_DECOR = "_|^`-[]{}\\"
_TOKEN = re.compile(r"[\w|^`\[\]{}\\-]+")
MIN_NICK = 3  # shorter nicks ("f", "te") collide with ordinary words...
_ADDRESS = re.compile(r"^([^\s:,]+)[:,]\s")  # ...unless used as an address: "te: try this"


def data_dir(split: str = "dev") -> Path:
    env = os.environ.get("UNANSWERED_IRC_TRAIN" if split == "train" else "UNANSWERED_IRC_DATA")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "data" / f"irc-ubuntu-{split}"


def is_bot(nick: str) -> bool:
    return bool(_BOT.match(nick))


@dataclass
class IrcLog:
    name: str
    messages: list[Message]  # every message and action line, in log order
    labels: dict[str, int] = field(default_factory=dict)  # msg id -> gold label
    # gold reply links, self-links ("starts a conversation") excluded
    children: dict[str, list[str]] = field(default_factory=dict)  # parent -> replies
    parents: dict[str, list[str]] = field(default_factory=dict)  # reply -> parents
    starts: set[str] = field(default_factory=set)  # annotated "A A": A starts a conversation

    def by_id(self) -> dict[str, Message]:
        return {m.id: m for m in self.messages}


class _Mentions:
    """Nicks seen so far in a log; finds those named as a whole word in a text.

    On IRC an address is just the nick typed in the text; on Slack/Discord it is
    an explicit @mention. Matching only nicks already seen keeps this close to
    that (you can only @mention someone who exists)."""

    def __init__(self) -> None:
        self._by_key: dict[str, str] = {}
        self._short: dict[str, str] = {}  # every nick, for "nick:" addresses

    def add(self, nick: str) -> None:
        self._short[nick.lower()] = nick
        for key in {nick.lower(), nick.strip(_NICK_DECOR).lower()}:
            if len(key) >= MIN_NICK:
                self._by_key[key] = nick

    def find(self, text: str, author: str) -> tuple[str, ...]:
        found: list[str] = []
        # "ud: try dpkg" -- an address at the start counts whatever the nick's length
        if (m := _ADDRESS.match(text)) and (nick := self._short.get(m.group(1).lower())):
            if nick != author:
                found.append(nick)
        for tok in _TOKEN.findall(text):
            for key in (tok.lower(), tok.strip(_NICK_DECOR).lower()):
                nick = self._by_key.get(key)
                if nick is not None:
                    if nick != author and nick not in found:
                        found.append(nick)
                    break
        return tuple(found)


def _dates(lines: list[str], day: date, hour: int) -> list[date | None]:
    """Date of each timestamped line. The file is named after the date and hour
    around the first annotated line; context lines may run back over midnight,
    so walk outwards from that anchor and step a day whenever the clock wraps."""
    stamps = [(i, int(m.group(1)) * 60 + int(m.group(2))) for i, line in enumerate(lines) if (m := re.match(r"^\[(\d\d):(\d\d)\]", line))]
    out: list[date | None] = [None] * len(lines)
    if not stamps:
        return out
    # anchor: first stamped line at/after FIRST_ANNOTATED whose hour is the file's hour
    anchor = next(
        (k for k, (i, t) in enumerate(stamps) if i >= FIRST_ANNOTATED and t // 60 == hour),
        next((k for k, (i, _) in enumerate(stamps) if i >= FIRST_ANNOTATED), 0),
    )
    d = day
    prev = stamps[anchor][1]
    for i, t in stamps[anchor:]:
        if t < prev - 60:  # allow small disorder; a big backwards jump is midnight
            d += timedelta(days=1)
        prev = t
        out[i] = d
    d = day
    prev = stamps[anchor][1]
    for i, t in reversed(stamps[:anchor]):
        if t > prev + 60:
            d -= timedelta(days=1)
        prev = t
        out[i] = d
    return out


def parse_raw(name: str, text: str, *, mentions: bool = False) -> list[Message]:
    """A log's messages; mentions=True pre-fills mentions from seen nicks (the labelled variant)."""
    day_s, _, hour_s = name.split(".")[0].partition("_")  # "2009-02-23_10" (dev), "2005-02-06.train-c" (train)
    day = date.fromisoformat(day_s)
    hour = int(hour_s) if hour_s.isdigit() else -1
    lines = text.split("\n")
    dates = _dates(lines, day, hour)
    seen = _Mentions()  # nicks that have spoken: the ones a reply can address
    spoke: set[str] = set()
    # IRC has no stable user id, but the log says who renamed: "=== bob is now known as bob_away".
    # The member keeps their first nick as id (as a platform's user id stays), and the new nick
    # as their name, which is what others now type.
    ids: dict[str, str] = {}
    out: list[Message] = []
    last_minute: datetime | None = None
    same = 0
    for i, line in enumerate(lines):
        if line.startswith("==="):
            # a member who spoke and then changed nick is addressed by the new nick
            if m := _RENAME.match(line):
                old, new = m.groups()
                if new != old:
                    ids[new] = ids.get(old, old)
                if old in spoke:
                    seen.add(new)
                    spoke.add(new)
            continue
        m = _MSG.match(line)
        action = False
        if m is None:
            m = _ACTION.match(line)
            action = m is not None
        if m is None or dates[i] is None:
            continue
        hh, mm, nick, body = m.groups()
        minute = datetime(dates[i].year, dates[i].month, dates[i].day, int(hh), int(mm), tzinfo=timezone.utc)
        same = same + 1 if minute == last_minute else 0
        last_minute = minute
        body = body.strip()
        if action:
            body = "* " + body
        out.append(
            Message(
                platform=PLATFORM,
                channel=name,
                id=str(i),
                author=ids.get(nick, nick),
                at=minute + timedelta(milliseconds=same),
                text=body,
                mentions=tuple(dict.fromkeys(ids.get(n, n) for n in seen.find(body, nick))) if mentions else (),
                author_is_bot=is_bot(nick),
                author_name=nick,
                channel_name=name,
            )
        )
        seen.add(nick)
        spoke.add(nick)
    return out


def load(directory: Path | None = None, *, split: str = "dev", mentions: bool = False) -> list[IrcLog]:
    """All excerpts with reply links and (dev split) gold labels; [] if the data is missing."""
    directory = directory or data_dir(split)
    qfile = directory / "questions.csv"
    if split != "train" and not qfile.is_file():
        return []
    labels: dict[str, dict[str, int]] = {}
    if qfile.is_file():
        with qfile.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                labels.setdefault(row["file"], {})[str(int(row["line"]))] = int(row["label"])
    logs: list[IrcLog] = []
    for raw in sorted(directory.glob("*.raw.txt")):
        name = raw.name[: -len(".raw.txt")]
        messages = parse_raw(name, raw.read_text(encoding="utf-8", errors="replace"), mentions=mentions)
        log = IrcLog(name, messages, labels.get(name, {}))
        ann = directory / f"{name}.annotation.txt"
        if ann.is_file():
            for line in ann.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) < 2 or parts[0] == parts[1]:
                    continue
                a, b = str(int(parts[0])), str(int(parts[1]))
                log.children.setdefault(a, []).append(b)
                log.parents.setdefault(b, []).append(a)
            for line in ann.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[0] == parts[1]:
                    log.starts.add(str(int(parts[0])))
        for kids in log.children.values():
            kids.sort(key=int)
        logs.append(log)
    return logs


def missing_note() -> str:
    return f"IRC data not found at {data_dir()} (set UNANSWERED_IRC_DATA to its folder); nothing to measure."


def replay_log(log: IrcLog, *, keep_judged: bool = True):
    """Run a log through the real replay pipeline (the catch-all detect route, no config).

    Returns (replay result, the in-memory tracker); the caller closes the tracker.
    """
    import asyncio

    from bot import replay
    from bot.config import load_settings
    from bot.store import Tracker

    settings, _ = load_settings(None, environ={})
    tracker = Tracker(None)
    result, _ = asyncio.run(replay.run(log.messages, settings, tracker, drain=None, keep_judged=keep_judged))
    return result, tracker
