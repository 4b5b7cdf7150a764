"""Platform-neutral events: what every adapter translates its payloads into.

Adapters (live, history catch-up, exports) produce these and nothing else reaches
the core. They are frozen so a handler cannot "reply" through them: an event
carries data, never a way back to the member.

Conventions every adapter follows:
- ``channel`` is the *watched* channel (the one a route names). A Discord thread
  or forum post belongs to its parent channel; ``thread`` names the thread root.
- ``thread`` is the id of the message that started the thread (Slack
  ``thread_ts``; Discord's thread id equals its starter message id), or None for
  a top-level message. A thread's root message itself has ``thread`` None or equal
  to its own id.
- ``reply_to`` is an explicit reply reference (Discord ``message_reference``).
- ``at`` is the platform's own time for the message, UTC-aware.
- ids are strings (Slack ``ts`` values are ids, not numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Union


@dataclass(frozen=True, slots=True)
class Message:
    platform: str
    channel: str
    id: str
    author: str
    at: datetime
    text: str = ""
    thread: str | None = None
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()
    author_is_bot: bool = False
    author_name: str | None = None
    link: str | None = None
    channel_name: str | None = None
    # True when the platform itself says this post opens a question
    # (a forum topic, a Discord forum post); `all` routes treat every
    # top-level post that way anyway.
    starts_topic: bool = False
    # When the author joined the server, if the platform says (Discord's member.joined_at): a
    # long-time member is no newcomer even if the tracker never saw them post.
    author_joined_at: datetime | None = None

    @property
    def is_top_level(self) -> bool:
        return self.thread is None or self.thread == self.id


@dataclass(frozen=True, slots=True)
class Edit:
    platform: str
    channel: str
    id: str
    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class Delete:
    platform: str
    channel: str
    id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Reaction:
    platform: str
    channel: str
    message: str
    author: str
    emoji: str
    at: datetime
    author_is_bot: bool = False


@dataclass(frozen=True, slots=True)
class TopicClosed:
    """A forum says the topic is closed or archived: stop tracking it."""

    platform: str
    channel: str
    id: str
    at: datetime


Event = Union[Message, Edit, Delete, Reaction, TopicClosed]


@dataclass(frozen=True, slots=True)
class StaffAction:
    """A moderator acted on a nudge (a button in their DM, or the CLI).

    ``kind`` is one of: claim, snooze, dismiss, resolve.
    ``by`` is the configured person's name, never a raw platform id.
    """

    kind: str
    question: int
    by: str
    at: datetime
    until: datetime | None = None
    note: str = field(default="")
