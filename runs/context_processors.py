"""Values every page template can use."""

from django.conf import settings
from django.http import HttpRequest


def dashboard(request: HttpRequest) -> dict[str, object]:
    """Return whether the dashboard reads the bundled sample API."""
    return {"sample_api": settings.ARCHAL_SAMPLE_API}
