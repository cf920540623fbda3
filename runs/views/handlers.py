"""The site's own 404 and 500 pages (handler404, handler500 in archal_dash/urls.py): the
error page every other problem uses, with the header's sign-out and the lookup form."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string

from runs.errors import problem_context, problem_page
from runs.outcomes import Problem

logger = logging.getLogger(__name__)

PAGE_NOT_FOUND = Problem(404, "Page not found", "There is no page at this address.", "Look up a run below.")
SERVER_ERROR = Problem(
    500,
    "Something went wrong",
    "The dashboard hit an error it did not expect. It has been logged.",
    "Try again, or look up another run.",
)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return problem_page(request, PAGE_NOT_FOUND)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return problem_page(request, SERVER_ERROR)
    except Exception:  # what the page needs may be what failed (the database, a context processor)
        logger.exception("the 500 page could not be rendered with its request; rendered without")
        return HttpResponseServerError(render_to_string("runs/error.html", problem_context(SERVER_ERROR)))
