"""check-config's view of the people: their clock now, their quiet hours, and where they will be DMed.

Pure functions of (settings, now, the platforms the bot can DM on): a wrong time zone
or a person who would be DMed on the "other" platform is visible before the first
nudge goes astray. The platform choice follows the door (``Door.person``): the
person's ``notify_via``, else the question's own platform, else any id they have.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from . import policy
from .config import Person, Settings

DM_PLATFORMS = ("slack", "discord")


def dm_platform(person: Person, prefer: str | None, reachable: set[str]) -> str | None:
    """The platform a DM to ``person`` about a question from ``prefer`` goes out on (None: nowhere)."""
    ids = {p for p in DM_PLATFORMS if getattr(person, p)}
    for platform in (person.notify_via, prefer, *sorted(ids)):
        if platform in ids and platform in reachable:
            return platform
    return None


def _offset(at: datetime) -> str:
    delta = at.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def person_lines(settings: Settings, now: datetime, reachable: set[str]) -> list[str]:
    """One line per person: ids; local time now and UTC offset; quiet hours; the platform(s) DMs go out on."""
    lines = []
    for name, p in settings.people.items():
        ids = ", ".join(f"{k} {getattr(p, k)}" for k in DM_PLATFORMS if getattr(p, k)) or "no platform ids"
        local = now.astimezone(ZoneInfo(p.timezone))
        quiet = "no quiet hours"
        if p.quiet_hours:
            quiet = f"quiet {p.quiet_hours}" + (" (quiet now)" if policy.is_quiet(p, now) else "")
        lines.append(f"  {name}: {ids}; {p.timezone}: now {local:%a %H:%M} ({_offset(local)}), {quiet}; {_where_dmed(settings, name, p, reachable)}")
    return lines


def _where_dmed(settings: Settings, name: str, p: Person, reachable: set[str]) -> str:
    routes = [r for r in settings.routes if name in r.chain]
    prefers = sorted({r.platform if r.platform in DM_PLATFORMS else "" for r in routes} or {""})
    used = sorted({dm for prefer in prefers if (dm := dm_platform(p, prefer or None, reachable))})
    if used:
        return "DMed on " + " and ".join(used)
    if not any(getattr(p, k) for k in DM_PLATFORMS):
        return "cannot be DMed (no ids)"
    have = " or ".join(k for k in DM_PLATFORMS if getattr(p, k))
    return f"cannot be DMed yet (no {have} token set)"


def platform_warnings(settings: Settings) -> list[str]:
    """A person on a Slack (Discord) chain with only a Discord (Slack) id: DMed on the other platform."""
    out = []
    for i, r in enumerate(settings.routes):
        if r.platform not in DM_PLATFORMS:
            continue
        for name in r.chain:
            p = settings.people.get(name)
            if p is None or getattr(p, r.platform) or p.notify_via or r.notify_via:
                continue
            other = next((k for k in DM_PLATFORMS if k != r.platform and getattr(p, k)), None)
            if other is None:
                continue  # no ids at all: reported on its own
            out.append(
                f"people.{name} is on the chain of routes[{i}] ({r.platform} {r.channel}) but has only a {other} id: "
                f'they will be DMed on {other.title()} about {r.platform.title()} questions; add {r.platform} = "…" to '
                f'[people.{name}], or set notify_via = "{other}" if that is what you want'
            )
    return out
