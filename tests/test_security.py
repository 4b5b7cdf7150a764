"""The secrets audit: known fake tokens go through real runs, and must come out nowhere.

Each test runs the real adapters (slack-bolt / slack_sdk, discord.py) against the
loopback fakes, the real core and CLI, including error paths (a refused token, a
token of the wrong kind, a failed DM, check-config, status, audit), with every
logger at DEBUG. Then it scans the log records (with their tracebacks), stdout and
stderr, the SQLite file, its WAL and shared-memory files byte for byte, a dump of
every table, and the audit rows: no secret may appear in any of them.

Also: the database file is created readable by its owner only, and Slack's HTTP
mode refuses a bad signature and a correctly signed request older than five
minutes (a replay).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sqlite3
import stat
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from typing import Iterable

import aiohttp
import discord
import pytest
import yarl
from click.testing import CliRunner
from slack_sdk.signature import SignatureVerifier

from adapters.slack.inbound import SlackSource
from bot import wiring
from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.store import Tracker
from tests.adapters.discord.fake_discord import FakeDiscord, snowflake, user
from tests.adapters.slack.fake_slack import FakeSlack, event_callback
from tests.adapters.slack.payloads import ALICE, ASKER, BOB, HELP, HELPER, message, ts
from tests.conftest import T0
from tests.helpers import until

ROOT = Path(__file__).parents[1]

# Known fake secrets, each with a distinctive tail (a leak of part of a token counts too).
SLACK_BOT = "xoxb-1111111111-2222222222-FAKE-SECRET-b0tT0k3nXyZ"
SLACK_APP = "xapp-1-A0APP0001-3333333333-FAKE-SECRET-appT0k3nQwE"
SLACK_USER_TOKEN = "xoxp-4444444444-FAKE-SECRET-us3rT0k3nRtY"  # the wrong kind: refused, never echoed
SIGNING = "FAKE-SECRET-s1gn1ngS3cr3tAsD"
DISCORD = "OTAwMDAwMDAwMDAwMDAwMDAy.FAKE.SECRET-d1sc0rdT0k3nFgH"  # first part: the (public) application id
WRONG_DISCORD = "OTAwMDAwMDAwMDAwMDAwMDAy.WRONG.SECRET-wr0ngT0k3nJkL"
SECRETS = [SLACK_BOT, SLACK_APP, SLACK_USER_TOKEN, SIGNING, DISCORD, WRONG_DISCORD]
TAILS = ["b0tT0k3nXyZ", "appT0k3nQwE", "us3rT0k3nRtY", "s1gn1ngS3cr3tAsD", "d1sc0rdT0k3nFgH", "wr0ngT0k3nJkL", "FAKE-SECRET", "FAKE.SECRET"]

LIBRARY_LOGGERS = [
    "",
    "unanswered",
    "slack_sdk",
    "slack_bolt",
    "discord",
    "aiohttp",
    "aiohttp.access",
    "aiohttp.server",
    "aiohttp.client",
    "apscheduler",
    "asyncio",
    "websockets",
]

DISCORD_HELP, DISCORD_ALICE, DISCORD_BOB, DISCORD_MEMBER = "910000000000000001", "700000000000000001", "700000000000000002", "600000000000000001"


def leaks(where: str, blob: str | bytes) -> list[str]:
    if isinstance(blob, bytes):
        found = [s for s in SECRETS + TAILS if s.encode() in blob or s.encode("utf-16-le") in blob]
    else:
        found = [s for s in SECRETS + TAILS if s in blob]
    return [f"{where}: {s!r}" for s in found]


def scan_database(path: Path) -> list[str]:
    """Every byte of the database, its WAL and shared memory, and every row of every table."""
    found: list[str] = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        file = Path(str(path) + suffix)
        if file.exists():
            found += leaks(file.name, file.read_bytes())
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found += leaks("database dump", "\n".join(conn.iterdump()))
    finally:
        conn.close()
    return found


def scan_logs(records: Iterable[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    found: list[str] = []
    for record in records:
        text = formatter.format(record)  # includes the traceback of exc_info, if any
        found += leaks(f"log {record.name}", text + repr(record.args) + repr(getattr(record, "__dict__", {})))
    return found


@pytest.fixture
def debug_logs(caplog):
    for name in LIBRARY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    return caplog


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("UNANSWERED_"):
            monkeypatch.delenv(key)


def write_config(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# ------------------------------------------------------------------ Slack

SLACK_CONFIG = """
[defaults]
window = "1h"
escalate_after = "30m"

[people.alice]
slack = "{alice}"

[people.bob]
slack = "{bob}"

[[routes]]
platform = "slack"
channel = "#help"
mode = "all"
chain = ["alice", "bob"]

[storage]
path = "{db}"

[slack]
api_url = "{api}"
{extra}
"""


@pytest.fixture
async def slack():
    fake = await FakeSlack().start()  # staff come from the config (slack_config)
    fake.add_channel(HELP, "help")
    for uid, name in ((ASKER, "Asker"), (HELPER, "Helper"), (ALICE, "Alice"), (BOB, "Bob")):
        fake.add_user(uid, name)
    yield fake
    await fake.close()
    assert not fake.violations


def slack_config(tmp_path: Path, fake: FakeSlack, extra: str = "") -> Path:
    path = write_config(
        tmp_path / "unanswered.toml", SLACK_CONFIG.format(alice=ALICE, bob=BOB, db=tmp_path / "data" / "unanswered.db", api=fake.api_url, extra=extra)
    )
    fake.use_config(load_settings(path)[0])  # staff = the ids this config names
    return path


async def test_a_slack_run_with_errors_leaks_no_secret(slack, tmp_path, monkeypatch, debug_logs, capfd, clock):
    monkeypatch.setenv("UNANSWERED_SLACK__BOT_TOKEN", SLACK_BOT)
    monkeypatch.setenv("UNANSWERED_SLACK__APP_TOKEN", SLACK_APP)
    config = slack_config(tmp_path, slack)
    settings, _ = load_settings(config)
    db = settings.storage.path
    tracker = Tracker(db)
    source = SlackSource(settings)
    app = wiring.build(settings, clock=clock, tracker=tracker, sources=[source])
    await source.start(app.hub)
    await slack.connected()

    # A question that gets a DM, one whose DM fails, and a button click.
    first, second = ts(1), ts(2)
    await slack.push_event(message("How do I rotate the API keys? my token is xoxb-not-ours", when=first))
    await slack.push_event(message("Where are the deploy logs?", when=second))
    await until(lambda: len(tracker.questions()) == 2)
    clock.advance(timedelta(minutes=61))
    slack.failing["chat.postMessage"] = "internal_error"
    await app.watchdog.tick()
    del slack.failing["chat.postMessage"]
    clock.advance(timedelta(minutes=2))
    await app.watchdog.tick()
    assert slack.called("chat.postMessage")
    assert slack.called("auth.test")[0].headers["Authorization"] == f"Bearer {SLACK_BOT}"  # the secrets really were used
    assert slack.called("apps.connections.open")[0].headers["Authorization"] == f"Bearer {SLACK_APP}"
    assert any(r["result"].startswith("failed") for r in tracker.audit_rows())
    await source.stop()

    # Refused and wrong-kind tokens: clear errors that never quote the token.
    errors: list[str] = []
    slack.failing["auth.test"] = "invalid_auth"
    refused = SlackSource(settings)
    with pytest.raises(ConfigError) as err:
        await refused.start(wiring.build(settings, clock=clock, tracker=tracker, sources=[refused]).hub)
    await refused.stop()
    errors.append(str(err.value))
    del slack.failing["auth.test"]
    monkeypatch.setenv("UNANSWERED_SLACK__BOT_TOKEN", SLACK_USER_TOKEN)
    with pytest.raises(ConfigError) as err:
        wiring.configured_sources(load_settings(config)[0])
    errors.append(str(err.value))
    assert "UNANSWERED_SLACK__BOT_TOKEN" in errors[-1]
    monkeypatch.setenv("UNANSWERED_SLACK__BOT_TOKEN", SLACK_BOT)

    # The CLI commands that read settings and the database.
    runner = CliRunner()
    # In a thread: the CLI runs its own event loop (check-config asks the fake platform), this one serves the fake.
    outputs = [
        await asyncio.to_thread(runner.invoke, main, [cmd, "-c", str(config), *more])
        for cmd, *more in (("check-config",), ("status",), ("status", "--json"), ("audit",), ("audit", "--json"))
    ]
    assert all(r.exit_code == 0 for r in outputs), [(r.exit_code, r.output[-300:], r.exception) for r in outputs]
    # A secret pasted into the file is refused (exit 2) without being echoed.
    pasted = write_config(tmp_path / "pasted.toml", config.read_text() + f'bot_token = "{SLACK_BOT}"\n')
    outputs.append(await asyncio.to_thread(runner.invoke, main, ["check-config", "-c", str(pasted)]))
    assert outputs[-1].exit_code == 2

    found = scan_database(db)
    found += leaks("audit rows", json.dumps([dict(r) for r in tracker.audit_rows()], default=str))
    found += scan_logs(debug_logs.records)
    found += [f for e in errors for f in leaks("ConfigError", e)]
    found += [f for r in outputs for f in leaks(f"cli output {r.output[:20]!r}", r.output + repr(r.exception))]
    out, err_out = capfd.readouterr()
    found += leaks("stdout", out) + leaks("stderr", err_out)
    tracker.close()
    assert not found, found
    assert any("slack_sdk" in r.name for r in debug_logs.records), "the library's DEBUG logs were not captured"


async def test_the_cli_run_with_verbose_logs_leaks_no_secret(slack, tmp_path):
    """`unanswered run -v` as a process: connects, takes an event, is stopped; then a refused token."""
    config = slack_config(tmp_path, slack)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("UNANSWERED_")},
        "UNANSWERED_SLACK__BOT_TOKEN": SLACK_BOT,
        "UNANSWERED_SLACK__APP_TOKEN": SLACK_APP,
        "PYTHONPATH": str(ROOT),
    }

    async def run(*args: str) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "-v",
            "-c",
            str(config),
            *args,
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )

    proc = await run()
    try:
        await slack.wait_for(lambda: slack.sockets, timeout=20)
        await slack.push_event(message("How do I rotate the API keys?", when=ts(1)))
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:  # the test failed half-way: never leave the process behind
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"watching (slack)" in err

    slack.failing["auth.test"] = "invalid_auth"
    refused = await run()
    out2, err2 = await asyncio.wait_for(refused.communicate(), 20)
    assert refused.returncode == 2 and b"UNANSWERED_SLACK__BOT_TOKEN" in err2

    found = leaks("stdout", out + out2) + leaks("stderr", err + err2)
    found += scan_database(tmp_path / "data" / "unanswered.db")
    assert not found, found


# ------------------------------------------------------------------ Slack HTTP mode: signatures and replays


async def test_slack_http_mode_refuses_bad_signatures_and_replays(slack, tmp_path, monkeypatch, debug_logs, clock):
    monkeypatch.setenv("UNANSWERED_SLACK__BOT_TOKEN", SLACK_BOT)
    monkeypatch.setenv("UNANSWERED_SLACK__SIGNING_SECRET", SIGNING)
    settings, _ = load_settings(slack_config(tmp_path, slack, 'mode = "http"'))
    tracker = Tracker(tmp_path / "http.db")
    source = SlackSource(settings, http_port=0, http_host="127.0.0.1")
    app = wiring.build(settings, clock=clock, tracker=tracker, sources=[source])
    await source.start(app.hub)
    url = f"http://127.0.0.1:{source.http_port}/slack/events"
    sign = SignatureVerifier(SIGNING).generate_signature

    def request(msg_ts: str, stamp: int, signature: str | None = None) -> tuple[str, dict[str, str]]:
        body = json.dumps(event_callback(message("How do I reach the status page?", when=msg_ts), f"Ev{msg_ts.replace('.', '')}"))
        headers = {
            "X-Slack-Request-Timestamp": str(stamp),
            "Content-Type": "application/json",
            "X-Slack-Signature": signature or sign(timestamp=str(stamp), body=body),
        }
        return body, headers

    async with aiohttp.ClientSession() as http:
        now = int(time.time())
        body, headers = request(ts(1), now, "v0=" + "0" * 64)
        bad = await http.post(url, data=body, headers=headers)
        body, headers = request(ts(2), now - 5 * 60 - 1)  # correctly signed, but more than five minutes old
        replayed = await http.post(url, data=body, headers=headers)
        body, headers = request(ts(3), now + 5 * 60 + 1)  # from the future: as suspicious
        future = await http.post(url, data=body, headers=headers)
        body, headers = request(ts(4), now - 60)  # a minute old: fine
        fresh = await http.post(url, data=body, headers=headers)
    assert (bad.status, replayed.status, future.status, fresh.status) == (401, 401, 401, 200)
    await until(lambda: tracker.questions())
    assert [q.msg_id for q in tracker.questions()] == [ts(4)]
    await source.stop()
    found = scan_logs(debug_logs.records) + scan_database(tmp_path / "http.db")
    tracker.close()
    assert not found, found


# ------------------------------------------------------------------ Discord

DISCORD_CONFIG = """
[defaults]
window = "1h"

[people.alice]
discord = "{alice}"

[people.bob]
discord = "{bob}"

[[routes]]
platform = "discord"
channel = "#help"
chain = ["alice", "bob"]

[storage]
path = "{db}"

[discord]
api_url = "{api}"
"""


@pytest.fixture
async def discord_fake(monkeypatch):
    fake = await FakeDiscord().start()
    fake.valid_token = DISCORD
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)  # restored after the test
    fake.text_channel(DISCORD_HELP, "help")
    yield fake
    await fake.close()
    assert not fake.violations


async def test_a_discord_run_with_errors_leaks_no_secret(discord_fake, tmp_path, monkeypatch, debug_logs, capfd, clock):
    from adapters.discord.inbound import DiscordSource

    monkeypatch.setenv("UNANSWERED_DISCORD__TOKEN", DISCORD)
    config = write_config(
        tmp_path / "unanswered.toml",
        DISCORD_CONFIG.format(alice=DISCORD_ALICE, bob=DISCORD_BOB, db=tmp_path / "data" / "unanswered.db", api=discord_fake.api_url),
    )
    settings, _ = load_settings(config)
    discord_fake.use_config(settings)
    tracker = Tracker(settings.storage.path)
    source = DiscordSource(settings, ready_timeout=5, guild_ready_timeout=0.01)
    app = wiring.build(settings, clock=clock, tracker=tracker, sources=[source])
    await source.start(app.hub)

    member = user(DISCORD_MEMBER, "newbie")
    asked = snowflake(T0 + timedelta(minutes=1))
    await discord_fake.dispatch("MESSAGE_CREATE", discord_fake.message(DISCORD_HELP, asked, member, "How do I reset my password? token=abc"))
    await until(lambda: tracker.questions())
    discord_fake.closed_dms.add(DISCORD_ALICE)  # alice's DM fails (50007): a failed send, then bob
    clock.advance(timedelta(minutes=62))
    await app.watchdog.tick()
    await app.watchdog.tick()
    assert discord_fake.dms_to(DISCORD_BOB)
    assert any(r["result"].startswith("failed") for r in tracker.audit_rows())
    await source.stop()

    discord_fake.valid_token = "a-token-we-do-not-have"
    monkeypatch.setenv("UNANSWERED_DISCORD__TOKEN", WRONG_DISCORD)
    wrong_settings, _ = load_settings(config)
    refused = DiscordSource(wrong_settings, ready_timeout=5, guild_ready_timeout=0.01)
    with pytest.raises(ConfigError) as err:
        await refused.start(wiring.build(wrong_settings, clock=clock, tracker=tracker, sources=[refused]).hub)
    await refused.stop()

    runner = CliRunner()
    outputs = [await asyncio.to_thread(runner.invoke, main, [cmd, "-c", str(config)]) for cmd in ("check-config", "status", "audit")]
    # check-config asks Discord, which refuses this token: exit 2, said without quoting it.
    assert [r.exit_code for r in outputs] == [2, 0, 0], [r.output for r in outputs]
    assert "Discord refused the token" in outputs[0].output

    found = scan_database(settings.storage.path)
    found += leaks("audit rows", json.dumps([dict(r) for r in tracker.audit_rows()], default=str))
    found += scan_logs(debug_logs.records) + leaks("ConfigError", str(err.value))
    found += [f for r in outputs for f in leaks("cli output", r.output + repr(r.exception))]
    out, err_out = capfd.readouterr()
    found += leaks("stdout", out) + leaks("stderr", err_out)
    tracker.close()
    assert not found, found
    assert any(r.name.startswith("discord") for r in debug_logs.records), "the library's DEBUG logs were not captured"


def test_the_scanners_find_a_planted_secret(tmp_path, caplog):
    """The audit is only worth something if it can fail: plant each kind of leak and see it found."""
    tracker = Tracker(tmp_path / "planted.db")
    with tracker.transaction():
        tracker.put("oops", {"token": SLACK_BOT})
    assert scan_database(tmp_path / "planted.db")  # found in the WAL while open
    tracker.close()
    assert scan_database(tmp_path / "planted.db")  # and in the file after the checkpoint
    try:
        raise RuntimeError(f"auth failed for {DISCORD}")
    except RuntimeError:
        logging.getLogger("unanswered.test").exception("no args here")
    assert scan_logs(caplog.records)  # found in the traceback text
    assert leaks("x", SLACK_APP.encode("utf-16-le"))


# ------------------------------------------------------------------ the database file


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_the_database_is_created_readable_by_its_owner_only(tmp_path, umask):
    old = os.umask(umask)
    try:
        tracker = Tracker(tmp_path / "new" / "unanswered.db")
        with tracker.transaction():
            tracker.put("probe", {"ok": True})
        files = [p for p in (tmp_path / "new").iterdir() if p.name.startswith("unanswered.db")]
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        tracker.close()
    finally:
        os.umask(old)
    assert modes["unanswered.db"] == 0o600
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes  # the WAL and shm files too
