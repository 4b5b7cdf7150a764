"""Small, exact tests of the guards, written to kill mutants that `make mutation` found alive.

Each pins one rule of the door, the neutralising or the transports' rendering whose
breaking the broader tests did not notice.
"""

from __future__ import annotations

from bot.neutralise import link_label


def test_a_link_without_a_known_platform_gets_a_neutral_label():
    assert link_label(None) == "Open the link"
    assert link_label("irc") == "Open the link"
