"""Progress bars for long runs (replay, catch-up): on a terminal only, never in logs or pipes."""

from __future__ import annotations

import shutil
import sys
from contextlib import contextmanager
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def wanted(enabled: bool | None = None) -> bool:
    """An explicit choice wins; otherwise a bar only when stderr is a terminal."""
    if enabled is not None:
        return enabled
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def bar(items: Iterable[T], what: str, unit: str, *, enabled: bool | None = None, total: int | None = None) -> Iterator[Iterable[T]]:
    """``items`` counted on a tqdm bar on stderr (or passed through untouched when not wanted)."""
    if not wanted(enabled):
        yield items
        return
    from tqdm import tqdm

    # A terminal that reports no size (a bare pseudo-terminal) would get a zero-width bar.
    size = shutil.get_terminal_size((100, 24))
    with tqdm(
        items,
        desc=what,
        unit=f" {unit}",
        unit_scale=True,
        total=total,
        file=sys.stderr,
        ncols=size.columns or 100,
        nrows=size.lines or 24,
        mininterval=0.2,
        leave=True,
    ) as counted:
        yield counted
