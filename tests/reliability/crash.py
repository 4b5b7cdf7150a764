"""Crash trials: the real bot, as its own process, SIGKILLed again and again against a fake Slack.

The harness (this module; used by tests/reliability/test_crash_trials.py for a short
run and by bench/crash_trials.py for a long one) runs the fake Slack of the adapter
tests on 127.0.0.1 in its own event loop, and the real bot (`python -m bot run -c <config>`,
through the crash-hook launcher tests/reliability/crashing_bot.py) as a
child process pointed at it (Web API through ``[slack] api_url``, Socket Mode through
the fake's ``apps.connections.open``). Members keep asking (some questions answered in
their thread within the window, most not), windows are 2 s and escalation 1 s, so
nudges keep falling due. The bot is killed with SIGKILL at random moments, chosen
per run from:

- ``startup``: while it imports, authenticates, settles pending sends or catches up;
- ``random``: any moment after it connected;
- ``after-audit`` / ``after-send``: the door kills itself at that point of a send
  (``UNANSWERED_TEST_CRASH_POINT``, a hook that tests/reliability/crashing_bot.py wraps
  around the door's deliver step): audit committed
  but nothing sent, or sent but the result not recorded;
- ``in-flight``: the fake holds chat.postMessage answers (the post is stored) and the
  harness kills the bot while one is in flight.

At the end a last run is left to settle everything, stopped with SIGTERM, and the
fake's record is compared with the database: every question the fake saw is tracked;
every (question, escalation step) that fell due reached the staff exactly once (DMs
told apart by the audit key in their metadata); nothing reached a member.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bot.config import load_settings
from tests.adapters.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
CRASH_POINT_VAR = "UNANSWERED_TEST_CRASH_POINT"  # read by tests/reliability/crashing_bot.py, only there
HELP = "C0HELP0001"
MEMBERS = ("U0MEMBER1", "U0MEMBER2", "U0MEMBER3", "U0MEMBER4")
HELPER = "U0HELPER1"
ALICE, BOB = "U0ALICE01", "U0BOB0002"
WINDOW, ESCALATE = 2.0, 1.0  # seconds; the config below says the same
STEPS = 2  # chain alice -> bob, no repeat: two nudges per unanswered question
MODES = (("startup", 15), ("random", 30), ("after-audit", 20), ("after-send", 20), ("in-flight", 15))

CONFIG = """
[defaults]
window = "2s"
escalate_after = "1s"

[people.alice]
display_name = "Alice"
slack = "{alice}"

[people.bob]
display_name = "Bob"
slack = "{bob}"

[[routes]]
platform = "slack"
channel = "#help"
mode = "all"
chain = ["alice", "bob"]

[storage]
path = "{db}"

[digest]
enabled = false

[slack]
api_url = "{api}"
"""


@dataclass
class Asked:
    ts: str
    author: str
    answered_at: float | None = None  # ts of the helper's reply, when it came within the window


@dataclass
class TrialResult:
    kills: int = 0
    kills_by_mode: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    unexpected_exits: list[str] = field(default_factory=list)
    questions: int = 0
    answered_in_time: int = 0
    untracked: list[str] = field(default_factory=list)
    nudges_due: int = 0
    delivered: int = 0
    duplicate_keys: list[str] = field(default_factory=list)
    duplicate_steps: list[tuple[int, int]] = field(default_factory=list)
    missing: list[tuple[int, int]] = field(default_factory=list)
    unexpected: list[tuple[int, int]] = field(default_factory=list)
    audit_mismatch: list[str] = field(default_factory=list)
    pending_left: int = 0
    member_visible: list[str] = field(default_factory=list)
    settled: bool = False
    wall_s: float = 0.0
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return self.settled and not (
            self.unexpected_exits
            or self.untracked
            or self.duplicate_keys
            or self.duplicate_steps
            or self.missing
            or self.unexpected
            or self.audit_mismatch
            or self.pending_left
            or self.member_visible
        )

    def problems(self) -> str:
        fields = (
            "unexpected_exits",
            "untracked",
            "duplicate_keys",
            "duplicate_steps",
            "missing",
            "unexpected",
            "audit_mismatch",
            "pending_left",
            "member_visible",
        )
        found = {name: getattr(self, name) for name in fields if getattr(self, name)}
        if not self.settled:
            found["settled"] = False
        return json.dumps(found, default=str)[:3000] + (f" (bot log: {self.log})" if self.log else "")


class Trial:
    def __init__(self, workdir: Path, *, kills: int, seed: int = 1) -> None:
        self.workdir = workdir
        self.kills = kills
        self.rng = random.Random(seed)
        self.db = workdir / "crash.db"
        self.config = workdir / "unanswered.toml"
        self.log = workdir / "bot.log"
        self.fake = FakeSlack()
        self.asked: list[Asked] = []
        self.result = TrialResult(log=self.log)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_ts = 0.0

    # ------------------------------------------------------------------ the members

    def _ts(self) -> str:
        now = max(time.time(), self._last_ts + 1e-6)  # strictly increasing, like Slack's
        self._last_ts = now
        return f"{now:.6f}"

    async def _post(self, msg: dict[str, Any]) -> None:
        """Slack stores the message (history) and, if the bot is connected, sends it over the socket."""
        self.fake.history_add(HELP, dict(msg))
        if self.fake.sockets:
            live = dict(msg, channel=HELP, event_ts=msg["ts"], channel_type="channel")
            task = asyncio.ensure_future(self._push(live))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _push(self, event: dict[str, Any]) -> None:
        try:
            await asyncio.wait_for(self.fake.push_event(event), 3)
        except Exception:  # the bot died before acking: Slack keeps the message in history
            pass

    async def _reply_later(self, question: Asked, delay: float, user: str) -> None:
        await asyncio.sleep(delay)  # pacing of the simulated members, not a wait for the bot
        ts = self._ts()
        await self._post({"type": "message", "user": user, "text": "Try restarting the agent.", "ts": ts, "thread_ts": question.ts})
        if user != question.author and float(ts) < float(question.ts) + WINDOW:
            question.answered_at = float(ts)

    async def members(self, stop: asyncio.Event) -> None:
        # The members start once the bot is installed: its first catch-up has begun (it looks back
        # one window on a first start; what was said before that is not the bot's to read).
        await self._until(lambda: self.fake.called("conversations.history") or stop.is_set(), 300)
        n = 0
        while not stop.is_set():
            n += 1
            author = self.rng.choice(MEMBERS)
            q = Asked(ts=self._ts(), author=author)
            self.asked.append(q)
            await self._post({"type": "message", "user": author, "text": f"Question {n}: how do I fix error {n}?", "ts": q.ts})
            roll = self.rng.random()
            if roll < 0.35:
                self._spawn(self._reply_later(q, self.rng.uniform(0.2, 0.8), HELPER))
            elif roll < 0.5:
                self._spawn(self._reply_later(q, self.rng.uniform(0.1, 0.5), author))  # the asker's follow-up: no answer
            try:
                await asyncio.wait_for(stop.wait(), self.rng.uniform(0.15, 0.45))
            except asyncio.TimeoutError:
                pass

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ the bot process

    async def _launch(self, crash_point: str | None = None) -> asyncio.subprocess.Process:
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNANSWERED_")}
        env.update(PYTHONPATH=str(ROOT), UNANSWERED_SLACK__BOT_TOKEN="xoxb-crash-trial", UNANSWERED_SLACK__APP_TOKEN="xapp-crash-trial", PYTHONUNBUFFERED="1")
        if crash_point:
            env[CRASH_POINT_VAR] = crash_point
        with self.log.open("a") as log:
            log.write(f"\n===== start ({crash_point or 'no crash point'}) =====\n")
            log.flush()
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.reliability.crashing_bot",
                "run",
                "-c",
                str(self.config),
                cwd=str(ROOT),
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )

    async def _until(self, condition: Callable[[], Any], timeout: float) -> bool:
        try:
            await self.fake.wait_for(condition, timeout)
            return True
        except AssertionError:
            return False

    async def _kill(self, proc: asyncio.subprocess.Process) -> None:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()

    async def _one_run(self, mode: str) -> None:
        hellos = self.fake.hellos
        posted = len(self.fake.posted)
        point = f"{mode}:{self.rng.randint(1, 2)}" if mode in ("after-audit", "after-send") else None
        self.fake.post_delay = 0.4 if mode == "in-flight" else 0.0
        proc = await self._launch(point)
        self.result.restarts += 1
        if mode == "startup":
            await self._until(lambda: proc.returncode is not None, self.rng.uniform(0.05, 1.5))
        else:
            await self._until(lambda: self.fake.hellos > hellos or proc.returncode is not None, 20)
            if mode == "random":
                await self._until(lambda: proc.returncode is not None, self.rng.uniform(0.1, 2.5))
            elif mode == "in-flight":
                await self._until(lambda: len(self.fake.posted) > posted or proc.returncode is not None, 8)
            else:
                await self._until(lambda: proc.returncode is not None, 8)  # the door kills itself at the point
        died_alone = proc.returncode is not None
        await self._kill(proc)
        if died_alone and not (point and proc.returncode == -signal.SIGKILL):
            self.result.unexpected_exits.append(f"{mode}: exit code {proc.returncode}")
        landed = mode if (point is None or died_alone) else "random"  # a crash point not reached in time
        self.result.kills += 1
        self.result.kills_by_mode[landed] += 1
        self.fake.post_delay = 0.0

    async def _settle(self) -> None:
        """A last, uninterrupted run: everything due goes out; then a graceful stop."""
        proc = await self._launch()
        self.result.restarts += 1
        last = float(self.asked[-1].ts) if self.asked else time.time()
        # Wall time for every due step to fall due, then: nothing left due, pending or untracked.
        self.result.settled = await self._until(lambda: time.time() > last + WINDOW + ESCALATE + 0.5 and self._quiet(), 30)
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except asyncio.TimeoutError:
            await self._kill(proc)
            self.result.unexpected_exits.append("did not stop on SIGTERM")
        if proc.returncode not in (0, -signal.SIGTERM):
            self.result.unexpected_exits.append(f"final run: exit code {proc.returncode}")

    def _quiet(self) -> bool:
        try:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=1) as db:
                due = db.execute("SELECT COUNT(*) FROM questions WHERE next_due IS NOT NULL").fetchone()[0]
                pending = db.execute("SELECT COUNT(*) FROM audit WHERE result = 'pending'").fetchone()[0]
                tracked = db.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
            return due == 0 and pending == 0 and tracked >= len(self.asked)
        except sqlite3.Error:
            return False

    # ------------------------------------------------------------------ the trial

    async def run(self) -> TrialResult:
        started = time.perf_counter()
        await self.fake.start()
        self.fake.add_channel(HELP, "help")
        for uid in (*MEMBERS, HELPER):
            self.fake.add_user(uid, uid[2:].title())
        self.fake.add_user(ALICE, "Alice")
        self.fake.add_user(BOB, "Bob")
        self.config.write_text(CONFIG.format(alice=ALICE, bob=BOB, db=self.db, api=self.fake.api_url))
        self.fake.use_config(load_settings(self.config)[0])  # staff = the ids this config names
        stop = asyncio.Event()
        writer = asyncio.ensure_future(self.members(stop))
        try:
            names, weights = zip(*MODES, strict=True)
            for _ in range(self.kills):
                await self._one_run(self.rng.choices(names, weights)[0])
                if self.rng.random() < 0.5:
                    await asyncio.sleep(self.rng.uniform(0.0, 1.0))  # down for a while: members go on asking
            stop.set()
            await writer
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            await self._settle()
            self.check()
        finally:
            stop.set()
            writer.cancel()
            for task in list(self._tasks):
                task.cancel()
            await self.fake.close()
        self.result.wall_s = time.perf_counter() - started
        return self.result

    def check(self) -> None:
        r = self.result
        r.member_visible = list(self.fake.violations)
        r.questions = len(self.asked)
        r.answered_in_time = sum(1 for q in self.asked if q.answered_at is not None)
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            qids = {row["msg_id"]: row["id"] for row in db.execute("SELECT id, msg_id FROM questions WHERE platform = 'slack'")}
            messages = {row["msg_id"] for row in db.execute("SELECT msg_id FROM messages WHERE platform = 'slack'")}
            steps = {(row["question"], row["seq"]): row["step"] for row in db.execute("SELECT question, seq, step FROM nudges")}
            audit = {row["key"]: row["result"] for row in db.execute("SELECT key, result FROM audit WHERE kind = 'nudge'")}
            r.pending_left = db.execute("SELECT COUNT(*) FROM audit WHERE result = 'pending'").fetchone()[0]
        seen = [m["ts"] for m in self.fake.messages[HELP]]
        r.untracked = [ts for ts in seen if ts not in messages] + [q.ts for q in self.asked if q.ts not in qids]

        expected = {(qids[q.ts], step) for q in self.asked if q.answered_at is None and q.ts in qids for step in range(STEPS)}
        r.missing.extend((-1, step) for q in self.asked if q.answered_at is None and q.ts not in qids for step in range(STEPS))
        keys = Counter()
        for (channel, _), msg in self.fake.posted.items():
            meta = msg.get("metadata") or {}
            key = (meta.get("event_payload") or {}).get("key", "")
            if channel.startswith("D") and key.startswith("nudge:"):
                keys[key] += 1
        r.duplicate_keys = sorted(k for k, n in keys.items() if n > 1)
        delivered: Counter[tuple[int, int]] = Counter()
        for key in keys:
            _, qid, seq = key.split(":")
            step = steps.get((int(qid), int(seq)))
            if step is None:
                r.audit_mismatch.append(f"{key} reached staff but has no nudge record")
                continue
            delivered[(int(qid), step)] += 1
        r.nudges_due = len(expected)
        r.delivered = sum(delivered.values())
        r.duplicate_steps = sorted(k for k, n in delivered.items() if n > 1)
        r.missing += sorted(expected - set(delivered))
        r.unexpected = sorted(set(delivered) - expected)
        # The audit log tells the truth: what it says was sent is exactly what arrived.
        sent = {k for k, result in audit.items() if result == "sent"}
        r.audit_mismatch += [f"{k} arrived but the audit says {audit.get(k, 'nothing')}" for k in sorted(set(keys) - sent)]
        r.audit_mismatch += [f"{k} audited as sent but never arrived" for k in sorted(sent - set(keys))]


def run_trial(workdir: Path, *, kills: int, seed: int = 1) -> TrialResult:
    return asyncio.run(Trial(workdir, kills=kills, seed=seed).run())
