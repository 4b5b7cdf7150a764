"""Scheduled digest delivery through the real app (wiring.build/start), the real door and a real SQLite file.

The platform side is a recording transport (a stand-in for the Slack/Discord DM API);
everything of ours is real. Time is a FakeClock: we travel to Monday morning instead of waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import digest_delivery, wiring
from bot.clock import FakeClock
from bot.outbound import Delivery, Note, NotStaff, Recipient, Rendered
from bot.store import Tracker

from .test_digest import HISTORY_TOML, m, t

# Mon 12 Jan 2026 (W03): 10:00 UTC is 11:00 in Berlin (alice: past 09:00) and 05:00 in New York (bob: not yet).
MONDAY_10_UTC = datetime(2026, 1, 12, 10, tzinfo=timezone.utc)


@dataclass
class DmRecorder:
    """Stands in for a platform's DM API: records every delivery, with the note (and its chart)."""

    platform: str = "slack"
    delivered: list[tuple[Recipient, Note, str]] = field(default_factory=list)

    def render(self, note: Note, key: str) -> Rendered:
        return Rendered(text=note.as_text())

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        self.delivered.append((to, note, key))
        return Delivery(ok=True, ref=f"{to.address}:{len(self.delivered)}")

    async def was_delivered(self, to: Recipient, key: str, since: object = None) -> bool | None:
        return any(k == key for _, _, k in self.delivered)

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        raise AssertionError("the digest never edits a DM")

    def to(self) -> list[str]:
        return [r.name for r, _, _ in self.delivered]


@pytest.fixture
def settings(make_settings):
    return make_settings(HISTORY_TOML)


def seed(path: Path) -> None:
    """Some W02 activity, so the bot was evidently watching that week."""
    tracker = Tracker(path)
    with tracker.transaction():
        tracker.add_message(m("q1", "U1", t(0, 10)))
        qid = tracker.add_question(m("q1", "U1", t(0, 10)), [], first_time=True, next_due=None)
        tracker.mark_answered(qid, t(0, 10, 20), "U2", "r1", "u2")
    tracker.close()


async def boot(settings, path: Path, now: datetime) -> tuple[wiring.App, DmRecorder]:
    """A process start: build the app on the same DB file, connect the DM transport, start."""
    app = wiring.build(settings, clock=FakeClock(now), tracker=Tracker(path), sources=[])
    dms = DmRecorder()
    app.door.add_transport(dms)
    await wiring.start(app)
    return app, dms


def digest_audit(path: Path) -> list[tuple[str, str, str]]:
    tracker = Tracker(path)
    rows = [(r["person"], r["key"], r["result"]) for r in tracker.audit_rows(kind="digest")]
    tracker.close()
    return rows


async def test_each_recipient_gets_it_once_in_their_own_morning_across_restarts(settings, tmp_path):
    db = tmp_path / "live.db"
    seed(db)
    # Start 1: Monday 11:00 in Berlin -> alice's 09:00 has passed while the bot was down: caught up now.
    app, dms = await boot(settings, db, MONDAY_10_UTC)
    assert dms.to() == ["alice"]
    to, note, key = dms.delivered[0]
    assert (to.address, key) == ("UALICE", "digest:alice:2026-W02")
    assert note.kind == "digest" and note.image[:8] == b"\x89PNG\r\n\x1a\n" and "1 question" in note.title
    await wiring.stop(app)

    # Start 2, an hour later: nothing again for alice; bob's morning (New York) has not come yet.
    app, dms = await boot(settings, db, MONDAY_10_UTC + timedelta(hours=1))
    assert dms.to() == []
    await wiring.stop(app)

    # Start 3 after 09:00 in New York: bob's turn, still nothing more for alice.
    app, dms = await boot(settings, db, datetime(2026, 1, 12, 14, 30, tzinfo=timezone.utc))
    assert dms.to() == ["bob"]
    # The cron job firing late (or twice) changes nothing either.
    await app.scheduler.aps.get_job("digest:alice").func()
    await app.scheduler.aps.get_job("digest:bob").func()
    assert dms.to() == ["bob"]
    await wiring.stop(app)

    assert digest_audit(db) == [("alice", "digest:alice:2026-W02", "sent"), ("bob", "digest:bob:2026-W02", "sent")]


async def test_cron_jobs_run_at_the_configured_time_in_each_recipients_zone(make_settings, tmp_path):
    settings = make_settings(HISTORY_TOML + '\nday = "tue"\ntime = "08:30"\n')
    app, _ = await boot(settings, tmp_path / "live.db", MONDAY_10_UTC)
    try:
        for name, zone in (("alice", "Europe/Berlin"), ("bob", "America/New_York")):
            trigger = app.scheduler.aps.get_job(f"digest:{name}").trigger
            assert trigger.timezone == ZoneInfo(zone)
            fields = {f.name: str(f) for f in trigger.fields}
            assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("tue", "8", "30")
    finally:
        await wiring.stop(app)


async def test_the_scheduled_job_sends_last_weeks_digest_when_it_fires(settings, tmp_path):
    db = tmp_path / "live.db"
    seed(db)
    # Monday 07:00 UTC = 08:00 in Berlin: too early, no catch-up.
    app, dms = await boot(settings, db, datetime(2026, 1, 12, 7, tzinfo=timezone.utc))
    assert dms.to() == []
    app.clock.set(datetime(2026, 1, 12, 8, tzinfo=timezone.utc))  # 09:00 in Berlin: the cron job fires
    await app.scheduler.aps.get_job("digest:alice").func()
    assert [(to.name, key) for to, _, key in dms.delivered] == [("alice", "digest:alice:2026-W02")]
    await wiring.stop(app)


async def test_only_configured_recipients_and_no_one_else(make_settings, tmp_path):
    settings = make_settings(HISTORY_TOML + '\nrecipients = ["alice"]\n')
    db = tmp_path / "live.db"
    seed(db)
    app, dms = await boot(settings, db, datetime(2026, 1, 13, 18, tzinfo=timezone.utc))  # past everyone's Monday
    try:
        assert dms.to() == ["alice"] and app.scheduler.aps.get_job("digest:bob") is None
        assert {to.address for to, _, _ in dms.delivered} <= {"UALICE"}
        note = dms.delivered[0][1]
        # The door refuses anyone who is not configured staff, or a configured name at someone else's id.
        for stranger in (Recipient("mallory", "slack", "UMALLORY"), Recipient("alice", "slack", "U2")):
            with pytest.raises(NotStaff):
                await app.door.send(stranger, note, key="digest:x:2026-W02")
        period = digest_delivery.due_period(settings, "UTC", app.clock.now())
        assert await digest_delivery.deliver(app, "mallory", period) == "mallory: not a configured person; skipped"
    finally:
        await wiring.stop(app)
    assert [p for p, _, _ in digest_audit(db)] == ["alice"]


async def test_no_digest_about_a_week_the_bot_was_not_watching(settings, tmp_path):
    app, dms = await boot(settings, tmp_path / "fresh.db", MONDAY_10_UTC)  # a fresh install on Monday
    assert dms.to() == []
    await wiring.stop(app)


async def test_disabled_digest_schedules_nothing(make_settings, tmp_path):
    settings = make_settings(HISTORY_TOML + "\nenabled = false\n")
    db = tmp_path / "live.db"
    seed(db)
    app, dms = await boot(settings, db, MONDAY_10_UTC)
    assert dms.to() == [] and app.scheduler.aps.get_job("digest:alice") is None
    await wiring.stop(app)


async def test_someone_no_connection_reaches_is_skipped_not_burned(make_settings, tmp_path):
    # bob has only a Discord id and there is no Discord connection: no audit record, so he gets it once one exists.
    settings = make_settings(HISTORY_TOML.replace('slack = "UBOB"', 'discord = "123456789"'))
    db = tmp_path / "live.db"
    seed(db)
    app, dms = await boot(settings, db, datetime(2026, 1, 13, 18, tzinfo=timezone.utc))
    assert dms.to() == ["alice"]
    await wiring.stop(app)
    assert [p for p, _, _ in digest_audit(db)] == ["alice"]
