"""Signing in: Django's auth, with failed attempts throttled per username and address.

The backend enforces the lockout wherever a password is checked (our sign-in
page and the admin's); the forms say why, and for how long.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from runs import throttle

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# Set in request.META by the backend when it refused to check a password.
LOCKED_OUT = "archal_dash.signin_locked_out"


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend that checks no password while a lockout lasts."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """Return the user if the password is right and no lockout applies, else None."""
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None or not username or password is None:
            # Not a sign-in over HTTP (a shell, a management command): no address to throttle.
            return super().authenticate(request, username, password, **kwargs)
        address = throttle.client_address(request)
        # Counted as a failure before the password is checked, so racing guesses are counted one by one.
        attempt = throttle.begin_signin(username, address)
        if attempt is None:
            request.META[LOCKED_OUT] = True  # for the form, which says so instead of "wrong password"
            # PermissionDenied stops authenticate() from asking other backends.
            raise PermissionDenied("too many failed sign-ins")
        user = super().authenticate(request, username, password, **kwargs)
        if user is not None:
            throttle.signin_succeeded(username)
        return user


class LockoutMessageMixin:
    """Tell a locked-out visitor so, instead of "wrong password", before checking it."""

    request: HttpRequest | None
    cleaned_data: dict

    def clean(self) -> dict:
        username = self.cleaned_data.get("username")
        if username and self.request is not None:
            self._refuse_if_locked_out(username)
        try:
            return super().clean()  # type: ignore[misc]  # a mixin: the form class it joins has clean()
        except ValidationError:
            # Locked out between the check above and the backend's (a racing attempt took the last try).
            if username and self.request is not None and self.request.META.get(LOCKED_OUT):
                self._refuse_if_locked_out(username)
            raise

    def _refuse_if_locked_out(self, username: str) -> None:
        assert self.request is not None
        wait = throttle.signin_wait(username, throttle.client_address(self.request))
        if wait:
            minutes = math.ceil(wait / 60)
            raise ValidationError(
                "Too many failed sign-ins for this account or from this address. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                code="locked",
            )


class SignInForm(LockoutMessageMixin, AuthenticationForm):
    """The sign-in page's form."""


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's sign-in form, with the same lockout message."""
