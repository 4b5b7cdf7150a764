"""The short crash trial: about 10 SIGKILLs of the real bot process; nothing lost, nothing sent twice."""

from __future__ import annotations

from .crash import Trial


async def test_ten_kills_lose_nothing_and_send_nothing_twice(tmp_path):
    result = await Trial(tmp_path, kills=10, seed=7).run()
    assert result.ok, result.problems()
    assert result.kills == 10
    assert result.nudges_due > 0 and result.delivered == result.nudges_due
    assert not result.member_visible
