"""Warnings about settings that are valid but probably not what was meant.

A fixed-offset or legacy zone name (``EST``, ``Etc/GMT+9``, ``US/Eastern``) is
accepted by the tz database, but it does not follow daylight saving, or its sign is
the reverse of what it reads (``Etc/GMT+9`` is UTC−9: a Tokyo moderator on it is 18
hours off). The warning names the IANA zone to use instead. A window or escalation
under a minute nudges staff about questions nobody could have answered yet.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

# Legacy names and the zone they stand for (the tz database's "backward" links we see most).
LEGACY = {
    "US/Eastern": "America/New_York",
    "US/Central": "America/Chicago",
    "US/Mountain": "America/Denver",
    "US/Pacific": "America/Los_Angeles",
    "US/Alaska": "America/Anchorage",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Arizona": "America/Phoenix",
    "Canada/Eastern": "America/Toronto",
    "Canada/Pacific": "America/Vancouver",
    "GB": "Europe/London",
    "Eire": "Europe/Dublin",
    "Japan": "Asia/Tokyo",
    "ROK": "Asia/Seoul",
    "PRC": "Asia/Shanghai",
    "Singapore": "Asia/Singapore",
    "Israel": "Asia/Jerusalem",
    "Turkey": "Europe/Istanbul",
    "Poland": "Europe/Warsaw",
    "Portugal": "Europe/Lisbon",
    "Egypt": "Africa/Cairo",
    "Iran": "Asia/Tehran",
    "NZ": "Pacific/Auckland",
    "Australia/ACT": "Australia/Sydney",
    "Australia/NSW": "Australia/Sydney",
    "Brazil/East": "America/Sao_Paulo",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
}
# Fixed offsets that read like regions: the region's zone follows daylight saving, they do not.
FIXED = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "MST": "America/Denver",
    "PST": "America/Los_Angeles",
    "HST": "Pacific/Honolulu",
    "EST5EDT": "America/New_York",
    "CST6CDT": "America/Chicago",
    "MST7MDT": "America/Denver",
    "PST8PDT": "America/Los_Angeles",
    "CET": "Europe/Paris",
    "MET": "Europe/Paris",
    "EET": "Europe/Athens",
    "WET": "Europe/Lisbon",
}
# A city for each whole-hour offset, to name in the advice for Etc/GMT±N.
BY_OFFSET = {
    -10: "Pacific/Honolulu",
    -9: "America/Anchorage",
    -8: "America/Los_Angeles",
    -7: "America/Denver",
    -6: "America/Chicago",
    -5: "America/New_York",
    -4: "America/Halifax",
    -3: "America/Sao_Paulo",
    -1: "Atlantic/Azores",
    0: "Europe/London",
    1: "Europe/Berlin",
    2: "Europe/Athens",
    3: "Europe/Moscow",
    4: "Asia/Dubai",
    5: "Asia/Karachi",
    6: "Asia/Dhaka",
    7: "Asia/Bangkok",
    8: "Asia/Singapore",
    9: "Asia/Tokyo",
    10: "Australia/Sydney",
    11: "Pacific/Noumea",
    12: "Pacific/Auckland",
}
_ETC = re.compile(r"^(?:Etc/)?GMT([+-])(\d{1,2})$", re.IGNORECASE)
SHORT = timedelta(minutes=1)


def zone_advice(zone: str) -> str | None:
    """Why ``zone`` is a poor choice and the IANA zone to use, or None when it is fine."""
    if zone in LEGACY:
        return f'{zone!r} is a legacy name; use "{LEGACY[zone]}"'
    upper = zone.upper()
    if upper in FIXED:
        return f'{zone!r} is a fixed offset with no daylight saving; name the place instead, e.g. "{FIXED[upper]}"'
    m = _ETC.match(zone)
    if m:
        hours = int(m.group(2)) * (-1 if m.group(1) == "+" else 1)  # POSIX: Etc/GMT+9 is UTC-9
        place = BY_OFFSET.get(hours)
        example = f'e.g. "{place}" for UTC{hours:+d}' if place else 'e.g. "Asia/Tokyo"'
        return f"{zone!r} is a fixed offset of UTC{hours:+d} (the sign in Etc/GMT names is reversed) with no daylight saving; name the place instead, {example}"
    return None


def config_warnings(settings: Any) -> list[str]:
    """One line per thing worth a second look (check-config prints them; run logs them)."""
    out = []
    for name, person in settings.people.items():
        advice = zone_advice(person.timezone)
        if advice:
            out.append(f"people.{name}.timezone: {advice}")
    advice = zone_advice(settings.digest.timezone)
    if advice:
        out.append(f"digest.timezone: {advice}")
    if settings.defaults.window < SHORT:
        out.append("defaults.window is under a minute: staff would be nudged before anyone could reply (meant for tests)")
    if settings.defaults.escalate_after < SHORT:
        out.append("defaults.escalate_after is under a minute: the whole chain would be nudged at once (meant for tests)")
    for i, route in enumerate(settings.routes):
        if route.window is not None and route.window < SHORT:
            out.append(f"routes[{i}].window is under a minute: staff would be nudged before anyone could reply (meant for tests)")
        if route.escalate_after is not None and route.escalate_after < SHORT:
            out.append(f"routes[{i}].escalate_after is under a minute: the whole chain would be nudged at once (meant for tests)")
    return out
