"""`unanswered slack-manifest`: the Slack app manifest, with the least scopes the bot needs.

Paste the output at api.slack.com/apps → Create New App → From a manifest.

Why each bot scope is there (and nothing more):
- channels:history, groups:history: read messages in public/private channels it was invited to
- channels:read, groups:read: resolve "#help" in the config to a channel id
- reactions:read: the opt-in "handled" reaction
- users:read: the asker's name in the DM, and telling app users from members
- im:write: open a DM with a moderator; chat:write: post and edit that DM
- im:history: after a crash, check whether a DM already arrived (never send twice)
- files:write: attach the weekly digest chart to the moderator's DM
Deliberately absent: chat:write.public, chat:write.customize, reactions:write,
im:read, mpim:*, any user scope.
"""

from __future__ import annotations

from typing import Any

import click

BOT_SCOPES = [
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "reactions:read",
    "users:read",
    "im:write",
    "im:history",
    "chat:write",
    "files:write",
]
BOT_EVENTS = ["message.channels", "message.groups", "reaction_added"]
FORBIDDEN_SCOPES = ["chat:write.public", "chat:write.customize", "reactions:write"]


def manifest(name: str = "unanswered", http_url: str | None = None) -> dict[str, Any]:
    """The manifest as data. ``http_url``: the public Events API URL (HTTP mode) instead of Socket Mode."""
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if http_url:
        events = {"request_url": http_url, **events}
        interactivity["request_url"] = http_url
    return {
        "display_information": {
            "name": name,
            "description": "Privately tells moderators when a member's question goes unanswered.",
            "background_color": "#2c2d30",
        },
        "features": {
            "app_home": {"home_tab_enabled": False, "messages_tab_enabled": True, "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": name, "always_online": False},
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": not http_url,
            "token_rotation_enabled": False,
        },
    }


_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "~", ""}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # Quote only what YAML would read as something other than this plain string.
    risky = (
        text.lower() in _YAML_WORDS
        or text[0] in "-?:,[]{}#&*!|>'\"%@`"
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or text.strip() != text
        or text.replace(".", "", 1).isdigit()
    )
    if risky:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def to_yaml(data: Any, indent: int = 0) -> str:
    """A tiny YAML writer for nested dicts/lists of scalars (no PyYAML dependency)."""
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)):
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(value, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_scalar(value)}")
    else:
        for item in data:
            lines.append(f"{pad}- {_scalar(item)}")
    return "\n".join(lines)


@click.command("slack-manifest")
@click.option("--name", default="unanswered", show_default=True, help="The app's name (and bot display name) in Slack.")
@click.option("--http-url", default=None, metavar="URL", help="HTTP mode: your public URL ending in /slack/events (default: Socket Mode, no URL needed).")
def command(name: str, http_url: str | None) -> None:
    """Print the Slack app manifest (YAML) with the least scopes unanswered needs."""
    click.echo("# Slack app manifest for unanswered: api.slack.com/apps → Create New App → From a manifest → paste this.")
    click.echo(
        "# Then: Install to Workspace, and set UNANSWERED_SLACK__BOT_TOKEN"
        + (" and UNANSWERED_SLACK__SIGNING_SECRET." if http_url else " and UNANSWERED_SLACK__APP_TOKEN.")
    )
    click.echo(to_yaml(manifest(name, http_url)))
