"""Values every page template can use."""

from django.conf import settings
from django.http import HttpRequest


def dashboard(request: HttpRequest) -> dict[str, object]:
    """Return whether the dashboard reads the bundled sample API, and its run IDs."""
    if not settings.ARCHAL_SAMPLE_API:
        return {"sample_api": False}
    return {"sample_api": True, "sample_run_ids": settings.ARCHAL_SAMPLE_RUN_IDS}


def access(request: HttpRequest) -> dict[str, object]:
    """Return whether sign-in is off, so every page can say so."""
    return {"sign_in_off": not settings.REQUIRE_LOGIN}
