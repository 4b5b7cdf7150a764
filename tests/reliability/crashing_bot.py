"""`python -m tests.reliability.crashing_bot run -c <config>`: the real bot, with the crash trials' kill switch.

The hook lives here, not in the production door: this launcher wraps the door's
deliver step before handing over to the ordinary CLI. Inert unless the variable is
set: UNANSWERED_TEST_CRASH_POINT="after-audit:2" SIGKILLs the process the 2nd time a
send reaches "after-audit" (audit committed, nothing sent) or "after-send" (sent,
result not yet recorded): the two windows a random kill rarely hits, and the ones
the guarantee is about.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from bot import outbound
from bot.cli import main

CRASH_POINT_VAR = "UNANSWERED_TEST_CRASH_POINT"
_hits: dict[str, int] = {}


def crash_point(name: str) -> None:
    wanted = os.environ.get(CRASH_POINT_VAR)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


_deliver = outbound.Door._deliver


async def _deliver_with_crash_points(self: outbound.Door, transport: Any, to: Any, rendered: Any, key: str, note: Any) -> Any:
    # Door.send marks its key in flight around the delivery; re-sends by resume_pending do not,
    # and (as before the hook moved here) they are not crash points.
    in_send = key in self._in_flight
    if in_send:
        crash_point("after-audit")
    delivery = await _deliver(self, transport, to, rendered, key, note)
    if in_send:
        crash_point("after-send")
    return delivery


outbound.Door._deliver = _deliver_with_crash_points  # type: ignore[method-assign]  # the test hook, by design

if __name__ == "__main__":
    main()
