"""The bot watching itself: sources down, DMs failing, a stalled loop; told once, and once on recovery.

Real parts throughout: the SQLite tracker, the door, the watchdog, the hub, the
APScheduler loop and a real HTTP client against /healthz. The transport is the
test's stand-in for a platform's DM API; the clock is fake so time travels.
"""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import ConfigError
from bot.health import HEARTBEAT_JOB, HealthMonitor
from bot.outbound import Delivery, Note, Recipient
from bot.wiring import build

from .helpers import RecordingTransport, advance, msg

TOML = """
[defaults]
window = "1h"
escalate_after = "30m"

[people.alice]
slack = "UALICE"

[people.bob]
slack = "UBOB"

[[routes]]
platform = "slack"
channel = "C1"
chain = ["alice", "bob"]

[[routes]]
platform = "forum"
channel = "community"
mode = "all"
chain = ["bob"]

[[feeds]]
name = "community"
url = "http://127.0.0.1:9/latest.rss"

[storage]
path = "{db}"

[health]
source_down_after = "10m"
dm_failures_alert = 3
scheduler_stall_after = "5m"
{extra}
"""


class Transport(RecordingTransport):
    """A DM API where some people cannot be reached (closed DMs), and every attempt is seen."""

    def __init__(self) -> None:
        super().__init__()
        self.unreachable: set[str] = set()
        self.attempts: list[tuple[str, str]] = []  # (recipient, key)

    async def deliver(self, to: Recipient, rendered, key: str, note: Note) -> Delivery:
        self.attempts.append((to.name, key))
        if to.name in self.unreachable:
            return Delivery(ok=False, error="SlackApiError: cannot_dm_bot")
        return await super().deliver(to, rendered, key, note)

    def health_notes(self) -> list[tuple[str, str]]:
        """(recipient, first line) of every staff alert that arrived."""
        return [(to.name, r.text.splitlines()[0]) for to, r, key in self.delivered if key.startswith("health:")]


class Source:
    name = "test"

    def __init__(self) -> None:
        self.t = Transport()

    def transport(self) -> Transport:
        return self.t

    async def start(self, hub) -> None:
        pass

    async def stop(self) -> None:
        pass


def make_app(make_settings, tracker, clock, extra: str = ""):
    settings = make_settings(TOML.format(db=tracker.path, extra=extra))
    source = Source()
    app = build(settings, clock=clock, tracker=tracker, sources=[source])
    return app, source.t


async def test_a_source_down_longer_than_the_threshold_is_told_once_and_its_recovery_once(make_settings, tracker, clock):
    app, t = make_app(make_settings, tracker, clock)
    app.hub.report("slack", False, "Socket Mode connection closed; reconnecting")
    clock.advance(timedelta(minutes=9))
    assert await app.health.check() == []
    assert t.health_notes() == []  # under the threshold: nobody is bothered

    clock.advance(timedelta(minutes=2))
    found = await app.health.check()
    assert [p.id for p in found] == ["source:slack"]
    assert t.health_notes() == [
        ("alice", "slack has been disconnected or failing for 11m"),
        ("bob", "slack has been disconnected or failing for 11m"),
    ]
    for _ in range(3):  # still down, later checks: no repeats
        clock.advance(timedelta(minutes=5))
        await app.health.check()
    assert len(t.health_notes()) == 2

    app.hub.report("slack", True, "connected (Socket Mode)")
    await app.health.check()
    await app.health.check()
    assert t.health_notes()[2:] == [("alice", "slack works again"), ("bob", "slack works again")]
    assert [r["kind"] for r in tracker.audit_rows()] == ["health"] * 4  # nothing else was sent


async def test_a_short_outage_is_never_mentioned(make_settings, tracker, clock):
    app, t = make_app(make_settings, tracker, clock)
    app.hub.report("discord", False, "disconnected from the gateway; reconnecting")
    clock.advance(timedelta(minutes=4))
    await app.health.check()
    app.hub.report("discord", True, "RESUMED")
    clock.advance(timedelta(minutes=30))
    await app.health.check()
    assert t.attempts == []


async def test_after_a_restart_neither_the_alert_repeats_nor_the_recovery_is_forgotten(make_settings, tracker, clock):
    app, t = make_app(make_settings, tracker, clock)
    app.hub.report("slack", False, "invalid_auth")
    clock.advance(timedelta(minutes=15))
    await app.health.check()
    assert len(t.health_notes()) == 2

    # A new process on the same store: the source has not reported yet, then fails again.
    app2, t2 = make_app(make_settings, tracker, clock)
    await app2.health.check()  # unknown state: no "works again" yet
    app2.hub.report("slack", False, "invalid_auth")
    clock.advance(timedelta(minutes=15))
    await app2.health.check()
    assert t2.attempts == []
    app2.hub.report("slack", True, "connected (Socket Mode)")
    await app2.health.check()
    assert t2.health_notes() == [("alice", "slack works again"), ("bob", "slack works again")]


async def test_repeated_dm_failures_to_alice_are_told_to_bob_once_never_to_alice(make_settings, tracker, clock):
    app, t = make_app(make_settings, tracker, clock)
    t.unreachable.add("alice")
    app.watchdog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(app.watchdog, clock, 63)  # the nudge to alice fails 3 times, then goes to bob
    assert [who for who, key in t.attempts] == ["alice", "alice", "alice", "bob"]

    found = await app.health.check()
    assert [p.id for p in found] == ["dm:alice"]
    await app.health.check()
    assert t.health_notes() == [("bob", "Messages to alice keep failing (3 in a row)")]
    assert not [key for who, key in t.attempts if who == "alice" and key.startswith("health:")]

    # alice fixes her settings; the next nudge reaches her: bob hears so, once.
    t.unreachable.clear()
    app.watchdog.ingest(msg("2.0", "UMEMBER2", 70))
    await advance(app.watchdog, clock, 70)
    await app.health.check()
    await app.health.check()
    assert t.health_notes() == [("bob", "Messages to alice keep failing (3 in a row)"), ("bob", "Messages reach alice again")]


async def test_a_stalled_deadline_loop_is_told_once_and_its_recovery_once(make_settings, tracker, clock):
    app, t = make_app(make_settings, tracker, clock)
    app.watchdog.ingest(msg("1.0", "UMEMBER", 0))
    clock.advance(timedelta(minutes=61))  # due a minute ago and nobody ran the loop
    await app.health.check()  # the first check to see it overdue
    clock.advance(timedelta(minutes=4))
    await app.health.check()
    assert t.attempts == []  # within tolerance

    clock.advance(timedelta(minutes=1))  # left unhandled for scheduler_stall_after since it was seen
    found = await app.health.check()
    assert [p.id for p in found] == ["scheduler"]
    clock.advance(timedelta(minutes=10))
    await app.health.check()
    assert t.health_notes() == [
        ("alice", "Nudges are not going out: one has been due for 6m"),
        ("bob", "Nudges are not going out: one has been due for 6m"),
    ]

    assert await app.watchdog.tick() == 1  # the loop runs again: the overdue nudge goes out, once
    await app.health.check()
    await app.health.check()
    assert t.health_notes()[2:] == [("alice", "Nudges are going out again"), ("bob", "Nudges are going out again")]
    assert [key for _, _, key in t.delivered if key.startswith("nudge:")] == ["nudge:1:0"]


async def test_apscheduler_that_stops_running_jobs_is_noticed_by_the_independent_watcher(make_settings, tracker, clock):
    app, t = make_app(make_settings, tracker, clock)
    wall = [1000.0]
    monitor = HealthMonitor(app.settings, app.hub, app.scheduler, clock, wall=lambda: wall[0])
    await app.scheduler.start()
    await monitor.start()
    try:
        assert app.scheduler.aps.get_job(HEARTBEAT_JOB) is not None
        app.scheduler.aps.pause()  # jobs stop running; the asyncio watcher does not depend on them
        wall[0] += 6 * 60
        await _wait_for(lambda: ("alice", "The scheduler has not run for 6m") in t.health_notes())

        app.scheduler.aps.resume()
        app.scheduler.aps.modify_job(HEARTBEAT_JOB, next_run_time=_wall_now())  # its next beat, now
        await _wait_for(lambda: ("bob", "The scheduler runs again") in t.health_notes())
        assert [title for _, title in t.health_notes()].count("The scheduler has not run for 6m") == 2
    finally:
        await monitor.stop()
        app.scheduler.shutdown()
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "unanswered-health"]


async def test_an_old_question_brought_in_by_catch_up_is_no_stall(make_settings, tracker, clock):
    """Catch-up stores a question whose deadline passed long ago; the loop handles it a moment later."""
    app, t = make_app(make_settings, tracker, clock)
    clock.advance(timedelta(hours=3))
    app.hub.ingest_batch([msg("1.0", "UMEMBER", 0)])  # asked 3 h ago, due 2 h ago
    await app.health.check()
    await app.watchdog.tick()
    clock.advance(timedelta(minutes=10))
    await app.health.check()
    assert t.health_notes() == [] and t.recipients() == ["alice"]


async def test_feeds_alert_about_themselves_so_the_monitor_only_reports_them(make_settings, tracker, clock):
    app, t = make_app(make_settings, tracker, clock)
    app.hub.report("feed:community", False, "HTTP 503")
    clock.advance(timedelta(minutes=61))  # past the feed's own failing_alert_after (1h)
    found = await app.health.check()
    assert [(p.id, p.notify) for p in found] == [("source:feed:community", False)]
    assert t.attempts == []  # the poller sends its own note; no second one
    assert app.health.healthz()[0] == 503


async def test_healthz_answers_200_then_503_with_reasons_then_200(make_settings, tracker, clock):
    app, t = make_app(make_settings, tracker, clock, extra='http_port = 0\nhttp_host = "127.0.0.1"')
    await app.scheduler.start()
    await app.health.start()
    url = f"http://127.0.0.1:{app.health.http_port}/healthz"
    try:
        async with aiohttp.ClientSession() as http:
            app.hub.report("slack", True, "connected")

            async def get() -> tuple[int, dict]:
                async with http.get(url) as resp:
                    return resp.status, await resp.json()

            status, body = await get()
            assert (status, body["status"], body["reasons"], body["sources"]) == (200, "ok", [], {"slack": "ok"})

            app.hub.report("slack", False, "ratelimited")
            clock.advance(timedelta(minutes=11))
            status, body = await get()
            assert (status, body["status"]) == (503, "failing")
            assert body["reasons"] == ["slack has been disconnected or failing for 11m"]
            assert "ratelimited" not in json.dumps(body)  # details stay private: names and reasons only

            app.hub.report("slack", True, "connected")
            status, body = await get()
            assert (status, body["status"]) == (200, "ok")
    finally:
        await app.health.stop()
        app.scheduler.shutdown()


async def test_healthz_is_off_by_default(make_settings, tracker, clock):
    app, _ = make_app(make_settings, tracker, clock)
    assert app.settings.health.http_port is None
    await app.health.start()
    try:
        assert app.health.http_port is None and app.health._runner is None
    finally:
        await app.health.stop()


async def test_status_shows_sources_dm_streaks_and_the_last_tick(make_settings, tracker, clock, tmp_path):
    app, t = make_app(make_settings, tracker, clock)
    t.unreachable.add("alice")
    app.hub.report("slack", False, "Socket Mode connection closed; reconnecting")
    app.watchdog.ingest(msg("1.0", "UMEMBER", 0))
    clock.advance(timedelta(hours=1))
    await app.scheduler.run_due()  # the deadline loop's own entry point: records its tick
    await app.health.check()
    cfg = str(tmp_path / "unanswered.toml")

    result = CliRunner().invoke(main, ["status", "--json", "-c", cfg], catch_exceptions=False)
    doc = json.loads(result.output)
    assert doc["sources"]["slack"]["ok"] is False  # the existing keys stay
    itself = doc["health"]
    assert itself["status"] == "failing"
    assert [p["id"] for p in itself["problems"]] == ["source:slack"]
    assert itself["scheduler"]["last_tick"] == clock.now().isoformat()
    assert itself["scheduler"]["ticks"] == 1
    assert itself["dm_failures"]["alice"]["failures"] == 2  # the nudge, and the alert about slack
    assert "cannot_dm_bot" in itself["dm_failures"]["alice"]["last_error"]

    text = CliRunner().invoke(main, ["status", "-c", cfg], catch_exceptions=False).output
    assert "source slack: FAILING since" in text
    assert "deadline loop: last tick" in text
    assert "DMs to alice: 2 failed in a row" in text
    assert "problem: slack has been disconnected or failing for 60m" in text


async def _wait_for(condition, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def _wall_now() -> datetime:
    return datetime.now(timezone.utc)


async def test_a_short_soak_leaks_no_handles_or_tasks_and_raises_no_false_alarm():
    """bench/soak.py with a small N: the live loop on an accelerated clock, start to end."""
    from bench.soak import run

    f = await run(1500, speed=3000, sample_every=500, extra_toml='[defaults]\nwindow = "10m"\nescalate_after = "5m"\n')
    assert f["nudges"] > 0 and f["nudges"] == f["audited"]  # every nudge audited, none twice
    assert f["end"]["fds"] <= f["start"]["fds"]
    assert f["end"]["tasks"] <= f["start"]["tasks"]
    assert f["health_alerts"] == 0
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "unanswered-health"]


async def test_a_healthz_port_already_taken_is_a_clear_config_error(make_settings, tracker, clock):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app, _ = make_app(make_settings, tracker, clock, extra=f"http_port = {port}")
        with pytest.raises(ConfigError, match=f"health.http_port: cannot listen on 127.0.0.1:{port}"):
            await app.health.start()
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "unanswered-health"]
