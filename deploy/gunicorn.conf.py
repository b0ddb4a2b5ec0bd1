"""gunicorn settings for newsearch: the declaration is web/gunicorn_conf.py (packaged with the app, so `newsearch
serve` uses it wherever it starts); this file gives `gunicorn -c` the same from a checkout.

Run by hand: gunicorn -c deploy/gunicorn.conf.py 'web:create_app()'   (settings from NEWSEARCH_* variables)
"""

from web.gunicorn_conf import *  # noqa: F403
from web.gunicorn_conf import metrics_dir

metrics_dir()  # this start's PROMETHEUS_MULTIPROC_DIR, before gunicorn loads the app and forks (web/metrics.py)
