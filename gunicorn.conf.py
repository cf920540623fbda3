"""gunicorn settings for the PaaS (see Procfile). Values come from the environment."""

import os

# Requests spend most of their time waiting on Archal, so each worker serves
# several at once with threads instead of blocking a whole process.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
# Above ARCHAL_TIMEOUT (default 20 s), so a slow upstream gets its own 504 page
# instead of the worker being killed mid-request.
timeout = int(float(os.environ.get("ARCHAL_TIMEOUT", "20")) + 15)
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "*"  # the platform's router sets X-Forwarded-*
