"""`make loadtest`: the dashboard under load, as the Procfile's gunicorn runs it (see __main__)."""

# How the readers' pages are counted (loadtest/locustfile.py) and reported.
CACHED = "cached"  # a hot run, answered from the recent copy
EXPIRED = "cached, expired"  # a hot run whose recent copy had expired: Archal was asked
UNCACHED = "uncached"  # a run never seen before: one Archal call

# templates/runs/detail.html: where the record on the page came from (the
# readers, loadtest/locustfile.py, and the saturation's client, loadtest/openloop.py).
# A regular expression: "<time …>just now</time> in 201 ms" (the time reads "just now"
# within a minute, "5 minutes ago" after; only a page fetched from Archal says "in … ms").
FROM_ARCHAL = rb"</time> in \d+ ms"
FROM_RECENT_COPY = b"(a recent copy; Archal is asked again"
STALE_BANNER = b'class="stale-banner"'
