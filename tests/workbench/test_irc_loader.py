"""The benches' IRC loader reads a log as a flat channel's export gives it."""

from __future__ import annotations

from bench.irc import parse_raw

LOG = """\
[10:00] <bob> my sound stopped working after the update
=== bob is now known as bob_away
[10:05] <helper> bob_away: is pulseaudio running?
[10:06] <bob_away> yes it is
=== bob_away is now known as bob
[10:07] <bob> still nothing
"""


def test_a_renamed_member_keeps_one_id_and_is_addressed_by_the_new_nick() -> None:
    msgs = parse_raw("2009-02-23_10", LOG)
    assert [m.author for m in msgs] == ["bob", "helper", "bob", "bob"]
    assert [m.author_name for m in msgs] == ["bob", "helper", "bob_away", "bob"]
    assert all(m.mentions == () for m in msgs)  # raw text: the core finds the address itself
    labelled = parse_raw("2009-02-23_10", LOG, mentions=True)
    assert labelled[1].mentions == ("bob",)  # the labelled variant names the member by id


def test_the_core_reads_an_address_to_the_new_nick_as_the_same_member() -> None:
    from bot.conversation import ChannelContext

    msgs = parse_raw("2009-02-23_10", LOG + "[10:08] <helper> bob_away: try pavucontrol\n")
    ctx = ChannelContext()
    for m in msgs[:-1]:
        ctx.remember(m)
    assert ctx.read(msgs[-1]).mentions == ("bob",)  # "bob_away" is bob, who asked
