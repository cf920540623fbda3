"""WSGI entry point, used by gunicorn (see Procfile)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archal_dash.settings")

application = get_wsgi_application()
