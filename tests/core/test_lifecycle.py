"""Issue 13 in the core: the given_up state, replies that overtook their question, pending
elsewhere, dry-run's own database, retention of given-up questions, the instance lock."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from datetime import timedelta

from click.testing import CliRunner

from bot import replay
from bot.cli import main
from bot.outbound import PENDING_ELSEWHERE, Door
from bot.store import Tracker
from bot.watchdog import Watchdog
from bot.wiring import build as build_app
from bot.wiring import dry_run_path

from ..conftest import T0
from .helpers import BASE_TOML, RecordingTransport, advance, build, msg


async def test_an_exhausted_chain_ends_given_up_still_unanswered_and_listed(make_settings, tracker, clock):
    settings = make_settings(BASE_TOML)
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(dog, clock, 60 * 5)
    assert sent.recipients() == ["alice", "bob"]
    (q,) = tracker.questions()
    assert q.status == "given_up" and q.next_due is None
    assert tracker.open_questions() == [] and [w.id for w in tracker.waiting_questions()] == [q.id]
    # A late reply still answers it; staff can still act on it.
    dog.ingest(msg("1.1", "UHELPER", 400, thread="1.0", text="try the reset link"))
    assert tracker.question(q.id).status == "answered"


async def test_four_hundred_days_leave_no_exhausted_chain_open(make_settings, tracker):
    settings = make_settings(BASE_TOML)
    events = [msg(f"{d}.0", f"U{d % 7}", d * 24 * 60 + 600, text=f"How do I fix error {d}?") for d in range(400)]
    await replay.run(events, settings, tracker)
    qs = tracker.questions()
    assert len(qs) == 400
    exhausted_open = [q for q in qs if q.status == "open" and q.nudges_sent >= 2]
    assert exhausted_open == []
    assert {q.status for q in qs} == {"given_up"}
    counts = tracker.purge(T0 + timedelta(days=400 + 91), 90, 365)
    assert counts["questions"] == 400 and counts["nudges"] == 800 and counts["audit"] == 800
    assert tracker.audit_rows() == [] and tracker.conn.execute("SELECT COUNT(*) FROM nudges").fetchone()[0] == 0


async def test_a_reply_stored_before_its_question_answers_it(make_settings, tracker, clock):
    settings = make_settings(BASE_TOML)
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.1", "UHELPER", 5, thread="1.0", text="use the reset link"))  # overtook the question
    dog.ingest(msg("1.0", "UMEMBER", 0))
    (q,) = tracker.questions()
    assert q.status == "answered" and q.answered_by == "UHELPER"
    await advance(dog, clock, 300)
    assert sent.delivered == []


async def test_the_askers_own_early_follow_up_does_not_answer(make_settings, tracker, clock):
    settings = make_settings(BASE_TOML)
    dog, _ = build(settings, tracker, clock)
    dog.ingest(msg("1.1", "UMEMBER", 5, thread="1.0", text="anyone?"))
    dog.ingest(msg("1.0", "UMEMBER", 0))
    assert tracker.questions()[0].answered_at is None


async def test_a_step_pending_in_another_process_is_not_a_failure_and_never_refires(make_settings, tmp_path, clock):
    settings = make_settings(BASE_TOML)
    path = tmp_path / "shared.db"
    a_store, b_store = Tracker(path), Tracker(path)
    gate = asyncio.Event()
    slow = RecordingTransport()
    slow.on_deliver = lambda to, key: None
    a_transport = RecordingTransport()
    dog_a = Watchdog(settings, a_store, clock, Door(settings, a_store, clock, {"slack": a_transport}))
    b_transport = RecordingTransport()
    dog_b = Watchdog(settings, b_store, clock, Door(settings, b_store, clock, {"slack": b_transport}))
    dog_a.ingest(msg("1.0", "UMEMBER", 0))
    clock.advance(timedelta(minutes=61))
    # A has audited step 0 but not finished it (a send in flight): B sees it pending.
    q = a_store.due(clock.now())[0]
    with a_store.transaction():
        a_store.audit_begin(
            at=clock.now(),
            kind="nudge",
            person="alice",
            platform="slack",
            address="UALICE",
            text="x",
            payload=None,
            reason="",
            questions=[q.id],
            key=f"nudge:{q.id}:0",
        )
    delivery = await dog_b.door.send(
        dog_b.door.person("alice"),
        dog_b.nudge_note(q, dog_b.route("slack", "C1"), __import__("bot.policy", fromlist=["Decision"]).Decision(send_to="alice"), clock.now()),
        key=f"nudge:{q.id}:0",
    )
    assert delivery.error == PENDING_ELSEWHERE and not delivery.ok
    assert await dog_b.tick() == 0
    after = b_store.question(q.id)
    assert after.failures == 0 and after.next_due == q.next_due  # untouched: not counted as a failure
    clock.advance(timedelta(minutes=5))
    assert await dog_b.tick() == 0
    assert b_transport.delivered == [] and len(b_store.audit_rows()) == 1  # never re-fired under a new key
    gate.set()
    a_store.close()
    b_store.close()


async def test_dry_run_uses_its_own_database_so_the_real_run_delivers_every_step(make_settings, tmp_path, clock):
    settings = make_settings(BASE_TOML + f'\n[storage]\npath = "{tmp_path / "real.db"}"\n')
    dry = build_app(settings, dry_run=True, clock=clock, sources=[])
    assert dry.tracker.path == dry_run_path(tmp_path / "real.db")
    dry.watchdog.ingest(msg("1.0", "UMEMBER", 0))
    dry.door.console.quiet = True
    assert await advance(dry.watchdog, clock, 120) == 2
    dry.tracker.close()
    clock.set(T0)
    real_transport = RecordingTransport()
    real = build_app(settings, clock=clock, sources=[])
    real.door.add_transport(real_transport)
    assert real.tracker.path == tmp_path / "real.db"
    real.watchdog.ingest(msg("1.0", "UMEMBER", 0))
    assert await advance(real.watchdog, clock, 120) == 2
    assert real_transport.recipients() == ["alice", "bob"]
    real.tracker.close()


def test_a_second_run_on_the_same_database_exits_2_naming_the_first(make_settings, tmp_path, monkeypatch):
    db = tmp_path / "one.db"
    config = tmp_path / "c.toml"
    config.write_text(BASE_TOML + f'\n[storage]\npath = "{db}"\n')
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from bot.instance_lock import InstanceLock
        held = InstanceLock({str(db)!r}).acquire()
        print("locked", flush=True)
        time.sleep(60)
    """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("UNANSWERED_SLACK__BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("UNANSWERED_SLACK__APP_TOKEN", "xapp-test")
        monkeypatch.setenv("UNANSWERED_SLACK__API_URL", "http://127.0.0.1:9/")  # never the internet
        result = CliRunner().invoke(main, ["run", "--config", str(config)])
        assert result.exit_code == 2, result.output
        assert f"pid={holder.pid}" in result.output and "is using" in result.output and "Traceback" not in result.output
    finally:
        holder.kill()
        holder.wait()


def test_storage_errors_are_one_line_and_exit_2(make_settings, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    config = tmp_path / "c.toml"
    config.write_text(BASE_TOML + f'\n[storage]\npath = "{blocker / "sub" / "x.db"}"\n')
    monkeypatch.setenv("UNANSWERED_SLACK__BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("UNANSWERED_SLACK__APP_TOKEN", "xapp-test")
    monkeypatch.setenv("UNANSWERED_SLACK__API_URL", "http://127.0.0.1:9/")  # never the internet
    result = CliRunner().invoke(main, ["run", "--config", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert str(blocker) in result.output and "storage.path" in result.output


def test_jsonl_replay_sorts_by_time_and_names_the_first_line_out_of_order(tmp_path, caplog):
    from bot import jsonl

    lines = [
        '{"type": "message", "platform": "slack", "channel": "C1", "id": "2", "author": "U1", "at": "2026-01-05T10:05:00Z", "text": "b"}',
        '{"type": "message", "platform": "slack", "channel": "C1", "id": "1", "author": "U1", "at": "2026-01-05T10:00:00Z", "text": "a"}',
        '{"type": "message", "platform": "slack", "channel": "C1", "id": "3", "author": "U1", "at": "2026-01-05T10:00:00Z", "text": "c"}',
    ]
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert [e.id for e in jsonl.read([path])] == ["1", "3", "2"]  # stable: same time keeps file order
    assert f"{path}:2: goes back in time" in caplog.text
