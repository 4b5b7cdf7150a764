"""The shape of the code, checked: the core is platform-free, and only outbound modules can write."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBS = ("discord", "slack_bolt", "slack_sdk", "feedparser")
# Platform calls that write somewhere; allowed only in adapters/*/outbound.py (the transports).
WRITE_CALLS = re.compile(
    r"chat_postMessage|chat_postEphemeral|chat_update|chat_delete|reactions_add|files_upload|conversations_create"
    r"|\.add_reaction\(|\.create_thread\(|\.reply\(|\.send_message\(|\.edit_message\(|\bchannel\.send\(|\.send\(\s*(?:content|embed)"
)


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_core_imports_no_platform_library():
    offenders = {str(p.relative_to(ROOT)): sorted(imported_modules(p) & set(PLATFORM_LIBS)) for p in python_files("bot")}
    assert not {k: v for k, v in offenders.items() if v}


def test_only_the_composition_root_names_the_adapters():
    for path in python_files("bot"):
        if path.name == "wiring.py":
            continue
        assert "adapters" not in imported_modules(path), f"{path.name} imports adapters: only bot/wiring.py may"


def test_importing_the_core_loads_no_platform_library():
    code = f"import sys, bot.cli, bot.wiring, bot.watchdog, bot.replay, bot.demo;print([m for m in sys.modules if m.split('.')[0] in {PLATFORM_LIBS!r}])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_platform_writes_live_only_in_outbound_modules():
    offenders = []
    for folder in ("bot", "adapters"):
        for path in python_files(folder):
            if path.name == "outbound.py" and path.parent.parent.name == "adapters":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if WRITE_CALLS.search(line) and not line.lstrip().startswith("#"):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "writes outside adapters/*/outbound.py:\n" + "\n".join(offenders)


def test_each_adapter_has_inbound_translate_outbound():
    for folder in sorted(p for p in (ROOT / "adapters").iterdir() if p.is_dir() and not p.name.startswith("_")):
        names = {p.stem for p in folder.glob("*.py")}
        assert "translate" in names, f"{folder.name} has no pure translate module"
        assert names & {"inbound", "poller"}, f"{folder.name} has no inbound part"


def test_translate_modules_are_pure():
    """Translate functions turn payloads into events: no I/O, no network, no platform clients."""
    for path in (ROOT / "adapters").glob("*/translate.py"):
        mods = imported_modules(path)
        assert not mods & {"aiohttp", "requests", "socket", "sqlite3", "asyncio", "slack_bolt", "slack_sdk"}, (path, mods)


def test_chat_adapters_reach_the_core_only_through_their_port():
    """Issue 12/13 narrow doors: Slack and Discord get a ChatPort (ingest, health, own state), never
    the tracker, the watchdog, the door or the hub itself (beyond asking it for the port)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for platform in ("slack", "discord"):
        for path in (root / "adapters" / platform).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(?<!bot)\.(tracker|watchdog|door)\b", text), f"{path} reaches into the core"
            assert not re.search(r"\bhub\.(?!chat_port\b)\w+", text), f"{path} uses the hub beyond hub.chat_port"
