"""``unanswered discord-invite``: the least-privilege invite link.

The link asks for the ``bot`` scope with exactly two permissions: View Channels
and Read Message History. Without Send Messages, Add Reactions or any Manage
permission, Discord itself stops the bot from writing anywhere in the server;
DMs to moderators and button clicks in those DMs need no server permission.
"""

from __future__ import annotations

import base64
import binascii
import os
from urllib.parse import urlencode

import click

TOKEN_ENV = "UNANSWERED_DISCORD__TOKEN"
VIEW_CHANNEL = 1 << 10
READ_MESSAGE_HISTORY = 1 << 16
PERMISSIONS = VIEW_CHANNEL | READ_MESSAGE_HISTORY  # 66560
AUTHORIZE_URL = "https://discord.com/oauth2/authorize"


def client_id_from_token(token: str) -> str | None:
    """A bot token's first segment is its user id in base64 (the same number as the application id)."""
    first = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), altchars=b"-_", validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if decoded.isdigit() else None


def invite_url(client_id: str) -> str:
    return f"{AUTHORIZE_URL}?" + urlencode({"client_id": client_id, "scope": "bot", "permissions": PERMISSIONS})


@click.command("discord-invite")
@click.option("--client-id", default=None, help="Application ID (Developer Portal → your app → General Information). Default: read from the bot token.")
def command(client_id: str | None) -> None:
    """Print the invite link for the Discord bot: read-only in your server, by construction."""
    if client_id is None:
        token = os.environ.get(TOKEN_ENV, "")
        client_id = client_id_from_token(token) if token else None
        if client_id is None:
            click.echo(
                f"error: pass --client-id (Developer Portal → your app → General Information → Application ID), "
                f"or set {TOKEN_ENV} so it can be read from the token",
                err=True,
            )
            raise SystemExit(2)
    if not client_id.isdigit():
        click.echo(f"error: {client_id!r} is not an application id (a long number)", err=True)
        raise SystemExit(2)
    click.echo(invite_url(client_id))
    click.echo(
        "Permissions: View Channels + Read Message History only (66560). No Send Messages, no Add Reactions, "
        "no Manage anything: Discord itself stops the bot from posting in your server; it only DMs your moderators."
    )
    click.echo("Also switch on Developer Portal → Bot → Privileged Gateway Intents → Message Content Intent.")
