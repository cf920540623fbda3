"""Middleware: security headers, sign-in when REQUIRE_LOGIN, the lookup throttle's page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.http import HttpRequest, HttpResponse

from runs.pages import error_page
from runs.throttle import LookupsThrottled

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


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, on only while settings.REQUIRE_LOGIN is true.

    The setting is read per request, so a test can flip it with the settings fixture.
    Views marked @login_not_required stay open: sign-in, /healthz.
    """

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        if not settings.REQUIRE_LOGIN:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class LookupThrottleMiddleware:
    """Turn runs.throttle.LookupsThrottled, raised by any view that fetches, into a 429 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, LookupsThrottled):
            return None
        who = "person" if request.user.is_authenticated else "address"
        limit, seconds = settings.LOOKUPS_PER_MINUTE, exception.retry_after
        match = request.resolver_match
        response = error_page(
            request,
            status=429,
            title="Too many lookups",
            explanation=f"This dashboard fetches at most {limit} run{'s' if limit != 1 else ''} "
            f"a minute per {who}, so that no one uses up the team’s Archal rate limit.",
            advice=f"Try again in {seconds} second{'s' if seconds != 1 else ''}.",
            run_id=match.kwargs.get("run_id", "") if match else "",
        )
        # RFC 9110 §10.2.3 (RFC 6585 §4 for 429): when to come back, in seconds.
        response["Retry-After"] = str(seconds)
        return response
