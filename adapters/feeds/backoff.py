"""Per-URL fetch state: conditional-GET validators and exponential backoff with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=6)
MAX_RETRY_AFTER = timedelta(hours=6)


@dataclass
class UrlState:
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0  # consecutive
    failing_since: datetime | None = None
    next_attempt: datetime | None = None
    last_error: str = ""

    def due(self, now: datetime) -> bool:
        return self.next_attempt is None or now >= self.next_attempt

    def succeeded(self, etag: str | None, last_modified: str | None) -> None:
        self.etag, self.last_modified = etag, last_modified
        self.failures, self.failing_since, self.next_attempt, self.last_error = 0, None, None, ""

    def failed(self, now: datetime, interval: timedelta, reason: str, *, retry_after: float | None = None, rng: random.Random | None = None) -> timedelta:
        """Record a failure; returns how long to wait before the next attempt."""
        self.failures += 1
        self.failing_since = self.failing_since or now
        self.last_error = reason
        wait = backoff(self.failures, interval, rng)
        if retry_after is not None:
            wait = max(wait, min(timedelta(seconds=retry_after), MAX_RETRY_AFTER))
        self.next_attempt = now + wait
        return wait

    # -- persistence (tracker kv): validators and the failure episode survive restarts
    def dump(self) -> dict[str, object]:
        return {
            "etag": self.etag,
            "last_modified": self.last_modified,
            "failures": self.failures,
            "failing_since": self.failing_since.isoformat() if self.failing_since else None,
            "next_attempt": self.next_attempt.isoformat() if self.next_attempt else None,
        }

    @classmethod
    def load(cls, raw: object) -> "UrlState":
        if not isinstance(raw, dict):
            return cls()

        def when(key: str) -> datetime | None:
            value = raw.get(key)
            try:
                return datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                return None

        failures = raw.get("failures")
        return cls(
            etag=raw.get("etag") if isinstance(raw.get("etag"), str) else None,
            last_modified=raw.get("last_modified") if isinstance(raw.get("last_modified"), str) else None,
            failures=failures if isinstance(failures, int) and failures >= 0 else 0,
            failing_since=when("failing_since"),
            next_attempt=when("next_attempt"),
        )


def backoff(failures: int, interval: timedelta, rng: random.Random | None = None) -> timedelta:
    """Wait after the n-th consecutive failure: interval·2^(n-1), capped, with "equal jitter".

    Half the delay is fixed, half random, so many feeds failing together (one forum
    down) spread their retries instead of returning in lockstep.
    """
    base = min(interval * (2 ** min(max(failures - 1, 0), 16)), max(MAX_BACKOFF, interval))
    rand = (rng or random).random()
    return base / 2 + base / 2 * rand
