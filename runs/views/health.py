"""`/healthz`, for the platform: does the app answer, and does its database?"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Return 200 "ok" when the database answers a query, 503 when it does not.

    Open without sign-in and exempt from the HTTPS redirect (settings), so a
    platform health check over plain HTTP can call it. It never calls Archal:
    Archal being down is not a reason to restart the dashboard.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("healthz: the database does not answer (%s)", type(error).__name__)
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
