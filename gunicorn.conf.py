"""gunicorn settings for the PaaS (see Procfile). Values come from the environment."""

import os

# Requests spend most of their time waiting on Archal (up to ARCHAL_TIMEOUT),
# not on the CPU. A sync worker would sit blocked for each of them; gthread
# workers serve several requests at once with threads. WEB_CONCURRENCY is the
# variable Heroku-style platforms set to fit the dyno's memory. Every thread
# may hold one database connection (CONN_MAX_AGE): keep workers x threads x
# web processes under the database's connection limit.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
# Above ARCHAL_TIMEOUT (default 20 s), so a slow upstream gets its own 504 page
# instead of the worker being killed mid-request.
timeout = int(float(os.environ.get("ARCHAL_TIMEOUT", "20")) + 15)
# Heroku sends SIGTERM and waits 30 s before SIGKILL: finish requests in flight.
graceful_timeout = 25
# Routers that reuse connections to the app (HTTP keep-alive) may do so for 5 s.
keepalive = 5
# The tree's links name a node by its positions, a few bytes a level: room
# for records nested a thousand levels deep (gunicorn's default is 4094).
limit_request_line = 8190
# Only the platform's router can reach the app; it sets X-Forwarded-Proto.
forwarded_allow_ips = "*"
# No runtime control socket (gunicornc): nothing uses it, and it would be one
# more file in $HOME, shared by every gunicorn of the user on the machine.
control_socket_disable = True

# Logs go to stdout and stderr, which the platform collects. One access line
# per request: the client as the router saw it, the request, status, bytes, ms.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'

if os.environ.get("LOG_FORMAT") == "json":
    # The same formatter Django's own logs use (settings.LOGGING): every line
    # gunicorn writes, access and errors alike, is one JSON object.
    _handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "runs.logs.JSONFormatter"}},
        "handlers": {"json_stdout": _handler},
        "root": {"level": "INFO", "handlers": ["json_stdout"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json_stdout"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["json_stdout"], "propagate": False},
        },
    }
