"""Saved searches and alerts: `newsearch alerts add|list|remove|run`, delivered after each indexing run.

`store.py` keeps the ledger beside the index (alerts.sqlite: each alert, the ids it has seen, queued deliveries,
its feed), `run.py` checks each alert against the live index and delivers what is new, `webhook.py` POSTs it.
The web front end serves each alert's feed (`/alerts/<name>.atom`) from the same ledger.
"""

from __future__ import annotations

from search.alerts.run import AlertRun, run_alerts, search_request
from search.alerts.store import Alert, AlertStore

__all__ = ["Alert", "AlertRun", "AlertStore", "run_alerts", "search_request"]
