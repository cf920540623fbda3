"""Signing in: Django's auth, with failed attempts throttled per username and address.

The backend enforces the lockouts (of a username from one address, and of an
address) and the slow-down of a username guessed at from many addresses,
wherever a password is checked (our sign-in page and the admin's); the forms
say what is locked, and for how long.
"""

from __future__ import annotations

import logging
import math
import threading
import time
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


logger = logging.getLogger(__name__)

# Set in request.META by the backend when it refused to check a password: the SignInLockout.
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
        if isinstance(attempt, throttle.SignInLockout):
            request.META[LOCKED_OUT] = attempt  # for the form, which says so instead of "wrong password"
            # PermissionDenied stops authenticate() from asking other backends.
            raise PermissionDenied("too many failed sign-ins")
        _slow_down(username, attempt.slowdown_seconds)
        user = super().authenticate(request, username, password, **kwargs)
        if user is not None:
            throttle.signin_succeeded(username, address)
        return user


# Threads of this process that may be asleep in a slow-down at once. Each holds one of
# gunicorn's threads, which every page needs: past this, a guess is checked at once
# (it still counts against its address's limit), so a flood of guesses slows itself
# no further but cannot put the dyno to sleep.
SLOWED_AT_ONCE = 2
_sleepers = threading.BoundedSemaphore(SLOWED_AT_ONCE)


def _slow_down(username: str, seconds: float) -> None:
    """Wait before the password check (so a guesser learns nothing sooner by hanging up), holding no lock."""
    if seconds <= 0:
        return
    if not _sleepers.acquire(blocking=False):
        logger.warning("sign-in for %r not slowed by %.1f s: %d others in this process are waiting already",
                       username, seconds, SLOWED_AT_ONCE)
        return
    try:
        logger.warning("sign-in for %r slowed by %.1f s: many failed sign-ins for it from several addresses",
                       username, seconds)
        time.sleep(seconds)
    finally:
        _sleepers.release()


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
            lockout = self.request.META.get(LOCKED_OUT) if self.request is not None else None
            if isinstance(lockout, throttle.SignInLockout):
                raise lockout_error(lockout) from None
            raise

    def _refuse_if_locked_out(self, username: str) -> None:
        assert self.request is not None
        lockout = throttle.signin_lockout(username, throttle.client_address(self.request))
        if lockout is not None:
            raise lockout_error(lockout)


def lockout_error(lockout: throttle.SignInLockout) -> ValidationError:
    """What a locked-out visitor is told: what is locked, and for how long (never "wrong password")."""
    minutes = math.ceil(lockout.seconds / 60)
    locked = {
        "account from address": "for this account from this address",
        "address": "from this address, for every account",
    }[lockout.scope]
    return ValidationError(
        f"Too many failed sign-ins {locked}. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        code="locked",
    )


class SignInForm(LockoutMessageMixin, AuthenticationForm):
    """The sign-in page's form."""


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's sign-in form, with the same lockout message."""
