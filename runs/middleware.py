"""Middleware: security headers, and sign-in when REQUIRE_LOGIN."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from runs.errors import PARSES_BUSY, problem_page
from runs.records import ParsesBusy

# No inline script, style or event handler anywhere, in our templates or in
# Django's admin (tests/test_browser_access.py watches for violations), so
# 'self' suffices: no 'unsafe-inline', no 'unsafe-eval'.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",  # with X-Frame-Options: DENY for older browsers
])
# Features the dashboard never uses, off for this page and anything it embeds.
# Clipboard access stays allowed: copying a run's JSON is a plausible feature.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "fullscreen", "geolocation", "gyroscope", "magnetometer", "microphone", "midi",
        "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock",
        "usb", "xr-spatial-tracking",
    ]
)


class SecurityHeadersMiddleware:
    """Put the security headers on every response: pages, errors, redirects, static files.

    Django's SecurityMiddleware and XFrameOptionsMiddleware set some of them
    too, but not on responses that bypass them (WhiteNoise's, for one); this
    middleware comes first so nothing bypasses it. Headers a view set itself win.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


class ParsesBusyMiddleware:
    """A page that says the dashboard is busy (503, Retry-After) when a view found no free slot
    to parse a stored record in (runs/records.py); the viewer's JSON parts answer it themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ParsesBusy):
            return problem_page(request, PARSES_BUSY)
        return None


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, on only while settings.REQUIRE_LOGIN is true.

    The setting is read per request, so a test can flip it with the settings fixture.
    Views marked @login_not_required stay open: sign-in, /healthz.
    """

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponseBase | None:
        if not settings.REQUIRE_LOGIN:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
