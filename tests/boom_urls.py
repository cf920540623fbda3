"""The site's URLs plus one view that fails, to see the 500 page as a visitor would."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from archal_dash.urls import handler404, handler500  # noqa: F401 (Django reads them from the root URLconf)


@login_not_required
def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("", include("archal_dash.urls"))]
