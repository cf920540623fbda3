"""The site's URLs: the runs app at the root, the admin under /admin/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("runs.urls")),
]
