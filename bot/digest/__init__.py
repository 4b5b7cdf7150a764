"""The weekly response-rate digest: pure figures from the tracker.

Definitions (they follow CHAOSS "time to first response" and github issue-metrics;
the README's "Weekly digest" section explains them for people):

- A question belongs to the period in which it was *asked* (``questions.asked_at``).
  Deleted questions are gone; questions a moderator marked "not a question"
  (status ``dismissed``) leave the denominator.
- Its first response is the first message by a human other than the asker, bots
  excluded: exactly what the watchdog records in ``questions.answered_at``. A claim,
  snooze or dismissal is never a response.
- A question counts as answered for a period only if that response came before the
  period's end; still open at the end means "unanswered so far", even if someone
  replies later.
- Median is the middle value (mean of the two middle ones); p90 is the nearest-rank
  90th percentile (the smallest wait that at least 90% of answered questions beat
  or matched).

Everything is read with indexed range queries on ``questions.asked_at``,
``audit.at`` and ``actions.at`` (the store's ``questions_asked_between``, ``send_counts`` and ``action_counts``): the messages table
(the big one) is touched only by key, to check that a would-be helper's response was
not a bot's.

Modules: ``period`` (calendar weeks and ranges in a time zone), ``model`` (the figures as
data, their JSON shape), ``compute`` (figures from the store). Words and pictures live in
``bot.digest_render`` (text, DM note, JSON), ``bot.digest_html`` and ``bot.chart``.
"""

from .compute import CHART_WEEKS, THANKS_LOOKBACK, UNANSWERED_SHOWN, compute, rates
from .model import SCHEMA_VERSION, BotActivity, DigestData, Fairness, Group, Helper, Rates, Waiting, Week, arrow, iso, p90, trend
from .period import PERIOD_HELP, Period, local_midnight, make_period, parse_period, week_of

__all__ = [
    "CHART_WEEKS",
    "PERIOD_HELP",
    "SCHEMA_VERSION",
    "THANKS_LOOKBACK",
    "UNANSWERED_SHOWN",
    "BotActivity",
    "DigestData",
    "Fairness",
    "Group",
    "Helper",
    "Period",
    "Rates",
    "Waiting",
    "Week",
    "arrow",
    "compute",
    "iso",
    "local_midnight",
    "make_period",
    "p90",
    "parse_period",
    "rates",
    "trend",
    "week_of",
]
