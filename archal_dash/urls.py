"""The site's URLs: the runs app at the root, sign-in, health, the admin under /admin/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from runs.signin import SignInForm
from runs.views.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    # LoginView needs no sign-in, and refuses a `next` outside this site
    # (url_has_allowed_host_and_scheme), sending the visitor home instead.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only
    path("healthz", healthz, name="healthz"),
    path("", include("runs.urls")),
]

handler404 = "runs.views.handlers.page_not_found"
handler500 = "runs.views.handlers.server_error"
