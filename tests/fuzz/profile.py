"""Hypothesis settings for the fuzz suite.

``fuzz`` (the default) keeps ``make test`` fast; ``HYPOTHESIS_PROFILE=long`` runs
many more examples (for ``make bench``-style runs or a night on a spare machine):

    HYPOTHESIS_PROFILE=long PYTHONPATH=. pytest -q tests/fuzz

Each test uses ``@FUZZ`` explicitly rather than loading a global profile, so the
rest of the suite keeps hypothesis' own defaults.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The watchdog tests share one real SQLite tracker (a function-scoped fixture)
# across examples on purpose: invariants must hold however much history is there.
_SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("fuzz", max_examples=150, deadline=None, suppress_health_check=_SUPPRESSED, print_blob=True)
settings.register_profile("long", max_examples=3000, deadline=None, suppress_health_check=_SUPPRESSED, print_blob=True)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "fuzz")
if PROFILE not in ("fuzz", "long"):
    PROFILE = "fuzz"
FUZZ = settings.get_profile(PROFILE)
