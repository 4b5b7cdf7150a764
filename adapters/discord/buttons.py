"""The nudge buttons, as a discord.py ``DynamicItem``: clicks work after a restart.

Everything a click needs is in its custom id (``unanswered:<action>:<question>``,
see bot.outbound.button_id), so no view has to be kept in memory: the client
registers this class once (``add_dynamic_items``) and discord.py rebuilds the
button from any matching click, however old the DM is.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import discord

from bot.transport import BUTTON_LABELS, CUSTOM_ID_PREFIX

log = logging.getLogger("unanswered.discord")

# What a click is handed to: (clicker's user id, custom id, DM ref) -> outcome line.
ClickHandler = Callable[[str, str, str], Awaitable[str]]

STYLES = {
    "claim": discord.ButtonStyle.primary,
    "resolve": discord.ButtonStyle.success,
}


def button_style(action: str) -> discord.ButtonStyle:
    return STYLES.get(action, discord.ButtonStyle.secondary)


class NudgeButton(discord.ui.DynamicItem[discord.ui.Button], template=CUSTOM_ID_PREFIX + r":(?P<action>[a-z0-9:]+):(?P<question>[0-9]+)"):
    def __init__(self, custom_id: str, label: str | None = None, style: discord.ButtonStyle | None = None) -> None:
        action = custom_id.split(":")[1:-1]
        name = ":".join(action)
        super().__init__(discord.ui.Button(label=label or BUTTON_LABELS.get(name, name), style=style or button_style(name), custom_id=custom_id))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /) -> "NudgeButton":
        return cls(match.string, getattr(item, "label", None), getattr(item, "style", None))

    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is not None:
            # Our buttons live in staff DMs only; answering in a server would be member-visible.
            log.warning("ignored a button click that came from a server, not a DM")
            return
        # Acknowledge without adding anything visible (a deferred update); the DM itself is
        # then edited through the door, which audits the new text.
        await interaction.response.defer()
        handler: ClickHandler | None = getattr(interaction.client, "on_nudge_button", None)
        if handler is None or interaction.message is None:
            return
        ref = f"{interaction.channel_id}:{interaction.message.id}"
        outcome = await handler(str(interaction.user.id), self.custom_id, ref)
        log.info("button %s: %s", self.custom_id, outcome)
