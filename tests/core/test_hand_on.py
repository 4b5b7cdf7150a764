"""A nudge step whose recipient left the staff between audit and send goes to the next person on the chain.

The first run "crashes" inside the transport (a BaseException, like a SIGKILL: the audit row
and the step's bookkeeping are committed, the result is not). The config then changes and a
second run, wired as the live bot is (bot.wiring), settles the pending row: nothing to the
person who left, the step handed on at once, the rest of the chain as before.
"""

from __future__ import annotations

import pytest

from bot.wiring import _core

from .helpers import RecordingTransport, advance, msg

THREE = """
[defaults]
window = "1h"
escalate_after = "30m"

[people.alice]
slack = "UALICE"

[people.bob]
slack = "UBOB"

[people.carol]
slack = "UCAROL"

[[routes]]
platform = "slack"
channel = "C1"
mode = "detect"
chain = ["alice", "bob", "carol"]
"""
WITHOUT_ALICE = THREE.replace('[people.alice]\nslack = "UALICE"\n\n', "").replace('["alice", "bob", "carol"]', '["bob", "carol"]')


class Crash(BaseException):
    """Stands for the process dying mid-send: not an Exception, so the door cannot record a result."""


def run(settings, tracker, clock, crash_on: str | None = None):
    door, dog = _core(settings, tracker, clock, dry_run=False, console=None)
    transport = RecordingTransport()

    def maybe_crash(to, key):
        if to.name == crash_on:
            raise Crash

    transport.on_deliver = maybe_crash
    door.add_transport(transport)
    return door, dog, transport


async def crash_sending_to(settings, tracker, clock, name: str) -> None:
    _, dog, _ = run(settings, tracker, clock, crash_on=name)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    with pytest.raises(Crash):
        await advance(dog, clock, 24 * 60)
    assert [r["person"] for r in tracker.audit_rows(kind="nudge") if r["result"] == "pending"] == [name]


@pytest.mark.parametrize("change", ["removed", "re-addressed"])
async def test_the_next_person_gets_the_step_at_once_and_the_chain_goes_on(make_settings, tracker, clock, change):
    await crash_sending_to(make_settings(THREE), tracker, clock, "alice")
    after = WITHOUT_ALICE if change == "removed" else THREE.replace("UALICE", "UALICE2")
    door, dog, sent = run(make_settings(after), tracker, clock)
    assert await door.resume_pending() == 0
    assert dog.next_due() == clock.now()  # due now, not after another escalation delay
    assert await advance(dog, clock, 0) == 1 and sent.recipients() == ["bob"]
    assert await advance(dog, clock, 29) == 0
    assert await advance(dog, clock, 2) == 1 and sent.recipients() == ["bob", "carol"]
    assert await advance(dog, clock, 24 * 60) == 0
    rows = [(r["person"], r["address"], r["result"]) for r in tracker.audit_rows(kind="nudge")]
    old = "UALICE"
    assert rows == [("alice", old, "failed-permanent: recipient no longer staff"), ("bob", "UBOB", "sent"), ("carol", "UCAROL", "sent")]
    assert [(n["step"], n["person"]) for n in tracker.nudges_for(1)][1:] == ([(0, "bob"), (1, "carol")] if change == "removed" else [(1, "bob"), (2, "carol")])


async def test_the_last_step_given_up_is_opened_again_when_someone_follows(make_settings, tracker, clock):
    chain_ends_with_alice = THREE.replace('["alice", "bob", "carol"]', '["bob", "alice"]\nrepeat = true\nmax_nudges = 3')
    await crash_sending_to(make_settings(chain_ends_with_alice.replace("repeat = true\nmax_nudges = 3", "")), tracker, clock, "alice")
    assert tracker.question(1).status == "given_up"  # alice's step was the chain's last
    door, dog, sent = run(make_settings(chain_ends_with_alice.replace("UALICE", "UALICE2")), tracker, clock)
    await door.resume_pending()
    assert tracker.question(1).status == "open"
    assert await advance(dog, clock, 0) == 1 and sent.recipients() == ["bob"]  # repeating: round again to bob


async def test_nothing_is_handed_on_when_nobody_follows_or_someone_acted(make_settings, tracker, clock):
    await crash_sending_to(make_settings(THREE.replace('["alice", "bob", "carol"]', '["bob", "alice"]')), tracker, clock, "alice")
    door, dog, sent = run(make_settings(THREE.replace("UALICE", "UALICE2").replace('["alice", "bob", "carol"]', '["bob", "alice"]')), tracker, clock)
    await door.resume_pending()
    assert await advance(dog, clock, 24 * 60) == 0 and sent.recipients() == []
    assert tracker.question(1).status == "given_up"


async def test_a_claimed_question_is_not_handed_on(make_settings, tracker, clock):
    await crash_sending_to(make_settings(THREE), tracker, clock, "alice")
    with tracker.transaction():
        tracker.claim(1, "bob", clock.now())
    door, dog, sent = run(make_settings(WITHOUT_ALICE), tracker, clock)
    await door.resume_pending()
    assert await advance(dog, clock, 24 * 60) == 0 and sent.recipients() == []
    assert tracker.audit_rows(kind="nudge")[0]["result"] == "failed-permanent: recipient no longer staff"


async def test_a_step_handed_on_does_not_use_up_max_nudges(make_settings, tracker, clock):
    """max_nudges = 1: alice's attempt reached nobody, so bob's is the one nudge, and it goes out."""
    one = THREE.replace('["alice", "bob", "carol"]', '["alice", "bob", "carol"]\nmax_nudges = 1')
    await crash_sending_to(make_settings(one), tracker, clock, "alice")
    assert tracker.question(1).status == "given_up"  # alice's attempt was the one allowed
    door, dog, sent = run(make_settings(WITHOUT_ALICE.replace('["bob", "carol"]', '["bob", "carol"]\nmax_nudges = 1')), tracker, clock)
    await door.resume_pending()
    assert await advance(dog, clock, 24 * 60) == 1 and sent.recipients() == ["bob"]  # one nudge, to bob, never carol
    q = tracker.question(1)
    assert (q.nudges_sent, q.lost_steps, q.status) == (2, 1, "given_up")
