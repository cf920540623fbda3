from django.urls import path

from runs.views import arrays, compare, pages, viewer

app_name = "runs"

urlpatterns = [
    path("", pages.home, name="home"),
    path("runs/", pages.lookup, name="lookup"),
    path("runs/<str:run_id>/", pages.run_detail, name="detail"),
    path("runs/<str:run_id>/raw", pages.run_raw, name="raw"),
    path("runs/<str:run_id>/tree", viewer.run_tree, name="tree"),
    path("runs/<str:run_id>/search", viewer.run_search, name="search"),
    path("runs/<str:run_id>/locate", viewer.run_locate, name="locate"),
    path("runs/<str:run_id>/steps", arrays.run_steps, name="steps"),
    path("runs/<str:run_id>/table", arrays.run_table, name="table"),
    path("runs/<str:run_id>/markdown", viewer.run_markdown, name="markdown"),
    path("compare/", compare.compare_form, name="compare_form"),
    path("compare/<str:a>/<str:b>/", compare.compare_runs, name="compare"),
    path("compare/<str:a>/<str:b>/patch", compare.compare_patch, name="compare_patch"),
    # An ID with "/" in it (typed as %2F) arrives decoded and matches none of the above.
    path("runs/<path:rest>", pages.slashed_run_id),
]
