"""Replay a standard Slack workspace export (the ZIP an admin downloads, or its unzipped folder).

Layout::

    channels.json            [{"id": "C…", "name": "help", ...}]      (groups.json: private channels, optional)
    users.json               [{"id": "U…", "name": "...", "is_bot": false, "profile": {...}}]
    help/2026-01-05.json     [message objects: type, user, text, ts, thread_ts, subtype, bot_id, reactions, ...]

Every message goes through ``translate.message`` (the same function live events
and history catch-up use). Events carry the channel id (as live ones do) and the
folder name as ``channel_name``, which is what ``replay --json`` prints.
A bad file or record is reported in ``errors`` and skipped; the rest is read.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator

from bot.events import Event

from . import translate

DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
CHANNEL_LISTS = ("channels.json", "groups.json")


@dataclass(frozen=True)
class ExportError:
    where: str
    error: str

    def __str__(self) -> str:
        return f"{self.where}: skipped: {self.error}"


class _Tree:
    """The export's files, whether in a ZIP or a folder: relative posix path -> bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        if self.zip is not None:
            names = [n for n in self.zip.namelist() if not n.endswith("/")]
            # Some tools zip the folder itself: then channels.json sits one directory down.
            roots = [n[: -len(m)] for n in names for m in ("channels.json", "users.json") if n.endswith("/" + m) and n.count("/") == 1]
            self.prefix = "" if {"channels.json", "users.json"} & set(names) else (roots[0] if roots else "")
            self.files = sorted(n[len(self.prefix) :] for n in names if n.startswith(self.prefix))
        else:
            self.prefix = ""
            self.files = sorted(p.relative_to(path).as_posix() for p in path.rglob("*.json") if p.is_file())

    def read(self, name: str) -> bytes:
        if self.zip is not None:
            return self.zip.read(self.prefix + name)
        return (self.path / name).read_bytes()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _load(tree: _Tree, name: str, errors: list[Any]) -> Any:
    try:
        return json.loads(tree.read(name).decode("utf-8"))
    except (OSError, KeyError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
        errors.append(ExportError(f"{tree.path}:{name}", f"not readable JSON ({type(exc).__name__})"))
        return None


def _records(tree: _Tree, name: str, errors: list[Any]) -> list[Any]:
    """A listing file's records; anything but a JSON array is reported and read as empty."""
    found = _load(tree, name, errors)
    if found is None:
        return []
    if not isinstance(found, list):
        errors.append(ExportError(f"{tree.path}:{name}", "not a JSON array"))
        return []
    return found


def _context(tree: _Tree, errors: list[Any]) -> tuple[translate.Context, dict[str, str]]:
    """Users (names, bots) and the folder name -> channel id map."""
    ctx = translate.Context()
    folder_to_id: dict[str, str] = {}
    for listing in CHANNEL_LISTS:
        if listing not in tree.files:
            continue
        for ch in _records(tree, listing, errors):
            if isinstance(ch, dict) and isinstance(ch.get("id"), str) and isinstance(ch.get("name"), str) and ch["id"] and ch["name"]:
                folder_to_id[ch["name"]] = ch["id"]
                ctx.channel_names[ch["id"]] = ch["name"]
    if "users.json" in tree.files:
        for user in _records(tree, "users.json", errors):
            if not isinstance(user, dict) or not isinstance(user.get("id"), str):
                continue
            profile = p if isinstance(p := user.get("profile"), dict) else {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
            if isinstance(name, str) and name:
                ctx.user_names[user["id"]] = name
            if user.get("is_bot") or user.get("is_app_user"):
                ctx.bot_users.add(user["id"])
    return ctx, folder_to_id


def _events_of(tree: _Tree, errors: list[Any]) -> list[tuple[Decimal, int, Event]]:
    ctx, folder_to_id = _context(tree, errors)
    out: list[tuple[Decimal, int, Event]] = []
    for name in tree.files:
        parts = PurePosixPath(name).parts
        if len(parts) != 2 or not DAY_FILE.match(parts[1]):
            continue
        folder = parts[0]
        channel = folder_to_id.get(folder, folder)
        ctx.channel_names[channel] = folder  # replay prints the folder name
        records = _load(tree, name, errors)
        if records is None:
            continue
        if not isinstance(records, list):
            errors.append(ExportError(f"{tree.path}:{name}", "not a JSON array of messages"))
            continue
        for i, msg in enumerate(records):
            try:
                found = translate.message(msg, channel, ctx)
                if found is None:
                    continue
                # An export does not say when a reaction was added: count it from the message's own time.
                for ev in [found, *translate.stored_reactions(msg, channel, ctx, found.at)]:
                    out.append((translate.ts_key(found.id), len(out), ev))
            except translate.Malformed as exc:
                errors.append(ExportError(f"{tree.path}:{name}[{i}]", str(exc)))
    return out


def read(paths: Iterable[Path], errors: list[Any]) -> Iterator[Event]:
    """Events of one or more exports, in time order across channels."""
    collected: list[tuple[Decimal, int, Event]] = []
    for path in paths:
        path = Path(path)
        try:
            tree = _Tree(path)
        except (OSError, zipfile.BadZipFile) as exc:
            errors.append(ExportError(str(path), f"not a Slack export ZIP or folder ({type(exc).__name__})"))
            continue
        try:
            if not any(PurePosixPath(n).name in CHANNEL_LISTS or PurePosixPath(n).name == "users.json" for n in tree.files):
                errors.append(ExportError(str(path), "no channels.json or users.json: is this a Slack workspace export?"))
            base = len(collected)
            collected.extend((key, base + n, ev) for key, n, ev in _events_of(tree, errors))
        finally:
            tree.close()
    collected.sort(key=lambda item: (item[0], item[1]))
    for _, _, event in collected:
        yield event
