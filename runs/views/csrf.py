"""The 403 page for a form posted without a valid CSRF token (settings.CSRF_FAILURE_VIEW)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from runs.errors import problem_page
from runs.outcomes import Problem

FORM_EXPIRED = Problem(
    403,
    "The form has expired",
    "The form was sent without the security token this site gave it, "
    "or with one that has expired. Cookies may be blocked for this site.",
    "Reload the page and try again.",
)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's own page has an inline <style>, which our Content-Security-Policy blocks;
    this one has the site's look. The only forms that POST are sign-in, sign-out and a run
    page's Refresh, so an expired or missing token is the usual reason."""
    return problem_page(request, FORM_EXPIRED)
