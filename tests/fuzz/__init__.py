"""Property tests (hypothesis) on everything that reads untrusted input or writes member text to staff.

    PYTHONPATH=. pytest -q tests/fuzz                          # the fast profile, part of `make test`
    HYPOTHESIS_PROFILE=long PYTHONPATH=. pytest -q tests/fuzz  # 20x the examples
    python bench/feed_corpus.py /path/to/feedparser/tests      # feedparser's corpus through our feed path

strategies.py builds mangled-but-realistic payloads from valid fixtures and
adversarial member text from mention/link fragments; harness.py feeds translated
events to a real Watchdog and checks that only human, top-level messages with an
author and a time ever become questions.
"""
