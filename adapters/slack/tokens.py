"""Slack credentials and the Web API client: which token is which, where to get it, and retries.

It exists apart from inbound.py so that ``check-config`` (adapters/slack/check.py) can check tokens
and build the same client without the Bolt app, and so the wording of every token problem (the
variable, what is wrong, where in Slack to fix it) is kept in one place.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

BOT_TOKEN_VAR = "UNANSWERED_SLACK__BOT_TOKEN"
APP_TOKEN_VAR = "UNANSWERED_SLACK__APP_TOKEN"
SIGNING_VAR = "UNANSWERED_SLACK__SIGNING_SECRET"
WHERE_BOT = "api.slack.com/apps → your app → OAuth & Permissions → Bot User OAuth Token (starts with xoxb-)"
WHERE_APP = "api.slack.com/apps → your app → Basic Information → App-Level Tokens (starts with xapp-, scope connections:write)"
WHERE_SIGNING = "api.slack.com/apps → your app → Basic Information → App Credentials → Signing Secret"
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type"})


def retry_handlers() -> list[Any]:
    """Rate limits (429 + Retry-After) are waited out; 5xx and dropped connections retried."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=5),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


def make_client(settings: Settings) -> AsyncWebClient:
    token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else None
    kwargs: dict[str, Any] = {}
    if settings.slack.api_url:
        kwargs["base_url"] = settings.slack.api_url.rstrip("/") + "/"
    return AsyncWebClient(token=token, retry_handlers=retry_handlers(), timeout=30, **kwargs)


def check_tokens(settings: Settings) -> list[str]:
    """Problems with the tokens' presence and kind, phrased with the variable and where to get it."""
    s = settings.slack
    problems = []
    bot = s.bot_token.get_secret_value() if s.bot_token else ""
    if not bot:
        problems.append(f"{BOT_TOKEN_VAR} is not set; copy the Bot User OAuth Token from {WHERE_BOT}")
    elif not bot.startswith("xoxb-"):
        problems.append(f"{BOT_TOKEN_VAR} is not a bot token (it must start with xoxb-); copy it from {WHERE_BOT}")
    if s.mode == "socket":
        app = s.app_token.get_secret_value() if s.app_token else ""
        if not app:
            problems.append(f'{APP_TOKEN_VAR} is not set (Socket Mode needs it); create one at {WHERE_APP}, or set slack.mode = "http"')
        elif not app.startswith("xapp-"):
            problems.append(f"{APP_TOKEN_VAR} is not an app-level token (it must start with xapp-); create one at {WHERE_APP}")
    elif not (s.signing_secret and s.signing_secret.get_secret_value()):
        problems.append(f"{SIGNING_VAR} is not set (HTTP mode verifies every request with it); copy it from {WHERE_SIGNING}")
    return problems
