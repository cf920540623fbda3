from collections.abc import Callable

from django.http import HttpResponseBase
from django.urls import path

from runs.views import arrays, compare, pages, viewer

app_name = "runs"

# The parts of a run at /runs/<run_id>/<part>, each URL named after its part.
RUN_PARTS: dict[str, Callable[..., HttpResponseBase]] = {
    "raw": pages.run_raw,
    "tree": viewer.run_tree,
    "search": viewer.run_search,
    "locate": viewer.run_locate,
    "steps": arrays.run_steps,
    "table": arrays.run_table,
    "markdown": viewer.run_markdown,
}

urlpatterns = [
    path("", pages.home, name="home"),
    path("runs/", pages.lookup, name="lookup"),
    path("runs/<str:run_id>/", pages.run_detail, name="detail"),
    *(path(f"runs/<str:run_id>/{part}", view, name=part) for part, view in RUN_PARTS.items()),
    path("compare/", compare.compare_form, name="compare_form"),
    path("compare/<str:a>/<str:b>/", compare.compare_runs, name="compare"),
    path("compare/<str:a>/<str:b>/patch", compare.compare_patch, name="compare_patch"),
    # An ID with "/" in it (typed as %2F) arrives decoded and matches none of the above.
    path("runs/<path:rest>", pages.slashed_run_id, {"pages": ("/", *(f"/{part}" for part in RUN_PARTS))}),
]
