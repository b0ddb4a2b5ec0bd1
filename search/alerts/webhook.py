"""Webhook delivery: one JSON POST, tried a few times with a growing pause, never following a redirect.

A delivery succeeds on a 2xx answer. Anything else (refused or timed-out connections, 3xx, 4xx, 5xx) is a failed
attempt; after ATTEMPTS the delivery stays queued in the ledger for the next run (store.py), so a webhook that is
down costs an indexing run a few seconds at most and loses nothing.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

ATTEMPTS = 3  # per delivery and run
BACKOFF_S = 0.5  # pause before the second attempt; doubled before each next one
TIMEOUT_S = 10.0  # to connect, and for each read of the answer
USER_AGENT = "newsearch-alerts/1"


class WebhookError(Exception):
    """A delivery that failed every attempt; the message says how the last one failed."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # a 3xx is then an HTTPError: a failed attempt, not a POST turned into a GET elsewhere


_OPENER = urllib.request.build_opener(_NoRedirects)


def check_url(url: str) -> str:
    """The webhook URL if it is an absolute http(s) URL; ValueError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"a webhook is an http:// or https:// URL, not {url!r}")
    return url.strip()


def post(url: str, payload: dict[str, Any], attempts: int = ATTEMPTS, backoff: float = BACKOFF_S,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """POST the payload as JSON until one attempt gets a 2xx; the number of failed attempts before it.
    WebhookError when every attempt failed."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Newsearch-Alert": str(payload.get("alert", "")),
               "X-Newsearch-Delivery": str(payload.get("delivery", ""))}  # the receiver drops a repeat by it
    last = ""
    for attempt in range(attempts):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            with _OPENER.open(urllib.request.Request(url, data=body, headers=headers, method="POST"),
                              timeout=TIMEOUT_S) as answer:
                answer.read(65536)
                return attempt
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code} {e.reason}"
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            last = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
    raise WebhookError(f"{last} (after {attempts} attempts)")
