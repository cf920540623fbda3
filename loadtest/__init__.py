"""`make loadtest`: the dashboard under load, as the Procfile's gunicorn runs it (see __main__)."""

# How the readers' pages are counted (loadtest/locustfile.py) and reported.
CACHED = "cached"  # a hot run, answered from the recent copy
EXPIRED = "cached, expired"  # a hot run whose recent copy had expired: Archal was asked
UNCACHED = "uncached"  # a run never seen before: one Archal call
