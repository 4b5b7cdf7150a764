"""Slack payloads written by hand in the shapes Slack documents (Events API, Web API, interactivity)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import T0

HELP, RANDOM = "C0HELP0001", "C0RAND0001"
ASKER, HELPER, OTHER = "U0ASKER01", "U0HELPER1", "U0OTHER01"
ALICE, BOB = "U0ALICE01", "U0BOB0002"
APP_USER = "U0APPUSR1"


def ts(minutes: float = 0, seq: int = 0) -> str:
    """A Slack ts ``minutes`` after T0 (the tests' fake clock start)."""
    return f"{int((T0 + timedelta(minutes=minutes)).timestamp())}.{seq:06d}"


def at(minutes: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes)


def message(text: str, *, user: str = ASKER, channel: str | None = HELP, when: str | None = None, thread_ts: str | None = None, **extra: Any) -> dict[str, Any]:
    """A message event (with ``channel``) or, with channel=None, a history/export message object."""
    stamp = when or ts()
    msg: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": stamp,
        "client_msg_id": "5e4f1b2a-0000-4000-8000-000000000000",
        "team": "T0ACME001",
        "blocks": [{"type": "rich_text", "block_id": "b1", "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}],
    }
    if channel is not None:
        msg.update(channel=channel, event_ts=stamp, channel_type="channel")
    if thread_ts is not None:
        msg["thread_ts"] = thread_ts
        msg["parent_user_id"] = extra.pop("parent_user_id", ASKER)
    msg.update(extra)
    return msg


def bot_message(text: str, *, when: str, channel: str | None = HELP, thread_ts: str | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "type": "message",
        "subtype": "bot_message",
        "text": text,
        "ts": when,
        "bot_id": "B0OTHER01",
        "username": "deploybot",
        "icons": {"emoji": ":robot_face:"},
    }
    if channel is not None:
        msg.update(channel=channel, event_ts=when, channel_type="channel")
    if thread_ts:
        msg["thread_ts"] = thread_ts
    return msg


def app_user_message(text: str, *, when: str, thread_ts: str | None = None) -> dict[str, Any]:
    """A message by an app acting through its bot user: has a user *and* a bot_id/bot_profile."""
    msg = message(text, user=APP_USER, when=when, thread_ts=thread_ts)
    msg.update(
        bot_id="B0APPUSR1",
        app_id="A0HELPER1",
        bot_profile={"id": "B0APPUSR1", "app_id": "A0HELPER1", "name": "helperbot", "deleted": False, "team_id": "T0ACME001"},
    )
    return msg


def channel_join(user: str, when: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "channel_join",
        "user": user,
        "text": f"<@{user}> has joined the channel",
        "ts": when,
        "channel": HELP,
        "event_ts": when,
        "channel_type": "channel",
    }


def message_changed(original_ts: str, new_text: str, edited_at: str, *, user: str = ASKER) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": HELP,
        "ts": edited_at,
        "event_ts": edited_at,
        "channel_type": "channel",
        "message": {"type": "message", "user": user, "text": new_text, "ts": original_ts, "edited": {"user": user, "ts": edited_at}, "client_msg_id": "x"},
        "previous_message": {"type": "message", "user": user, "text": "(old)", "ts": original_ts},
    }


def message_deleted(deleted_ts: str, when: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": HELP,
        "ts": when,
        "deleted_ts": deleted_ts,
        "event_ts": when,
        "channel_type": "channel",
        "previous_message": {"type": "message", "user": ASKER, "text": "(gone)", "ts": deleted_ts},
    }


def reaction_added(target_ts: str, reaction: str, *, user: str, when: str, channel: str = HELP) -> dict[str, Any]:
    return {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item_user": ASKER,
        "item": {"type": "message", "channel": channel, "ts": target_ts},
        "event_ts": when,
    }


def block_actions(custom_id: str, *, user: str, channel: str, message_ts: str, label: str = "I'm on it") -> dict[str, Any]:
    """The interactivity payload Slack sends when a button in a message is clicked."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T0ACME001"},
        "api_app_id": "A0APP0001",
        "token": "XXYYZZ",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": "1234567890.123456.abcdef",
        "team": {"id": "T0ACME001", "domain": "acme"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "user": "U0BOT0001", "ts": message_ts, "bot_id": "B0BOT0001", "text": "…"},
        "state": {"values": {}},
        "response_url": "https://hooks.slack.com/actions/T0ACME001/1/fake",
        "actions": [
            {
                "action_id": custom_id,
                "block_id": "unanswered:1",
                "text": {"type": "plain_text", "text": label, "emoji": True},
                "value": custom_id,
                "type": "button",
                "action_ts": "1767607200.000001",
            }
        ],
    }
