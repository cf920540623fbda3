"""The lookup form, and the rules a run ID must follow wherever it comes from."""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from runs.models import RUN_ID_MAX_LENGTH


def validate_run_id(run_id: str) -> None:
    """Raise ValidationError, with a message for people, if `run_id` cannot be a run ID.

    IDs are opaque to us, so the rules only keep out what could never be one
    path segment of a link: slashes, white space, control characters, and
    "." or "..", which browsers resolve away even when percent-encoded
    (WHATWG URL Standard, "double-dot path segment").
    """
    if not run_id:
        raise ValidationError("Enter a run ID.", code="required")
    if len(run_id) > RUN_ID_MAX_LENGTH:
        raise ValidationError(
            f"A run ID has at most {RUN_ID_MAX_LENGTH} characters; this one has {len(run_id)}.",
            code="max_length",
        )
    if "/" in run_id:
        raise ValidationError("A run ID cannot contain “/”.", code="slash")
    for char in run_id:
        if char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Cs", "Zl", "Zp"}:
            raise ValidationError(
                "A run ID cannot contain spaces or invisible control characters.", code="control"
            )
    if run_id in {".", ".."}:
        raise ValidationError("“.” and “..” cannot be run IDs.", code="dots")


class RunLookupForm(forms.Form):
    run_id = forms.CharField(
        label="Run ID",
        strip=True,  # pasted IDs often carry a trailing space or newline
        max_length=None,  # validate_run_id says it in words
        validators=[validate_run_id],
        error_messages={"required": "Enter a run ID."},
        widget=forms.TextInput(
            attrs={
                "placeholder": "run_…",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )


class CompareForm(forms.Form):
    """Two run IDs to compare, each checked as the lookup form checks one (the fields are written
    out in templates/runs/_compare_form.html)."""

    a = forms.CharField(label="Run A", strip=True, max_length=None, validators=[validate_run_id],
                        error_messages={"required": "Enter a run ID."})
    b = forms.CharField(label="Run B", strip=True, max_length=None, validators=[validate_run_id],
                        error_messages={"required": "Enter a run ID."})
