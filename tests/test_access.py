"""Team access: sign-in required (REQUIRE_LOGIN), sign-out, lockouts after failed sign-ins."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

import dyno
from runs import shared, signin
from runs.models import Lookup, SignInFailure
from runs.throttle import client_address, signin_slowdown
from tests.conftest import in_threads
from tests.shared_cache import own_cache_keys  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.shared_state, pytest.mark.usefixtures("own_cache_keys")]

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def require_login(settings):
    settings.REQUIRE_LOGIN = True
    settings.SIGNIN_FAILURES_PER_USERNAME = 3
    settings.SIGNIN_FAILURES_PER_ADDRESS = 6
    settings.SIGNIN_LOCKOUT_SECONDS = 600


@pytest.fixture
def alice(django_user_model) -> User:
    return django_user_model.objects.create_user("alice", password=PASSWORD)


def sign_in(client: Client, username: str, password: str, next_url: str = "", **headers: str):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, headers=headers)


# --- Sign-in required ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/runs/?run_id=run_small", "/runs/run_small/", "/runs/run_small/raw"])
def test_signed_out_visitor_is_sent_to_sign_in_with_next(client, archal, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=" + path.replace("?", "%3F").replace("=", "%3D")
    assert archal.requests == []
    assert not Lookup.objects.exists()


def test_signed_out_admin_visitor_gets_the_admins_own_sign_in(client):
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"


def test_only_sign_in_and_healthz_are_open_without_sign_in():
    """A guard: a new view is behind sign-in unless it is added here on purpose."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    open_routes = {route for route, view in walk(get_resolver().url_patterns)
                   if not getattr(view, "login_required", True)}
    assert open_routes == {"accounts/login/", "admin/login/", "healthz"}


def test_shared_link_opens_the_run_right_after_signing_in(client, alice):
    login_url = client.get("/runs/run_small/")["Location"]
    page = client.get(login_url)
    assert page.status_code == 200
    assert page.templates[0].name == "registration/login.html"
    assert b'name="next" value="/runs/run_small/"' in page.content
    response = sign_in(client, "alice", PASSWORD, next_url="/runs/run_small/")
    assert response.status_code == 302
    assert response["Location"] == "/runs/run_small/"
    run_page = client.get("/runs/run_small/")
    assert run_page.status_code == 200
    assert Lookup.objects.get().user == alice


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/runs/x/", "//evil.example/", "/\\evil.example/", "http:evil.example",
     "https://testserver.evil.example/"],
)
def test_next_outside_the_site_is_refused(client, alice, next_url):
    response = sign_in(client, "alice", PASSWORD, next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_in_page_has_the_sites_look_and_says_whom_to_ask(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert html.count("<h1") == 1 and "Sign in</h1>" in html
    assert "app.css" in html and "archal-dash" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Ask whoever administers this dashboard" in html
    assert "Sign out" not in html


def test_wrong_password_gets_the_form_back_with_a_message(client, alice):
    response = sign_in(client, "alice", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 403
    assert response.templates[0].name == "runs/error.html"  # the site's look, no inline style
    assert "The form has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "_auth_user_id" in client.session  # still signed in


def test_signed_in_visitor_on_the_sign_in_page_goes_on_to_next(client, alice):
    client.force_login(alice)
    response = client.get(reverse("login") + "?next=/runs/run_small/")
    assert response["Location"] == "/runs/run_small/"


# --- Sign-out -------------------------------------------------------------------


def test_every_page_has_a_sign_out_button_that_posts(client, alice):
    client.force_login(alice)
    for path in ["/", "/runs/run_small/", "/runs/run_missing/", "/no/such/page"]:
        html = client.get(path).content.decode()
        assert f'<form class="sign-out" action="{reverse("logout")}" method="post">' in html, path
        assert 'name="csrfmiddlewaretoken"' in html
        assert "Signed in as <strong>alice</strong>" in html


def test_sign_out_ends_the_session(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get("/")["Location"].startswith(reverse("login"))


def test_sign_out_by_get_is_refused(client, alice):
    client.force_login(alice)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get("/").status_code == 200


# --- REQUIRE_LOGIN=false ----------------------------------------------------------


def test_with_sign_in_off_pages_are_open_and_say_so(client, settings):
    settings.REQUIRE_LOGIN = False
    for path in ["/", "/runs/run_small/"]:
        response = client.get(path)
        assert response.status_code == 200
        assert "Sign-in is off (<code>REQUIRE_LOGIN=false</code>)" in response.content.decode()


def test_with_sign_in_on_no_page_says_it_is_off(client, alice):
    client.force_login(alice)
    assert b"Sign-in is off" not in client.get("/").content


# --- Failed sign-ins --------------------------------------------------------------


PAIR_LOCKED = "Too many failed sign-ins for this account from this address."
ADDRESS_LOCKED = "Too many failed sign-ins from this address, for every account."
WRONG_PASSWORD = "Please enter a correct username and password"


def test_username_from_one_address_is_locked_after_a_few_failures_even_with_the_right_password(client, alice):
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    response = sign_in(client, "ALICE", PASSWORD)  # usernames are counted case-insensitively
    assert response.status_code == 200
    page = response.content.decode()
    assert PAIR_LOCKED in page and WRONG_PASSWORD not in page  # what is locked, not "wrong password"
    assert "Try again in 10 minutes" in page
    response = sign_in(client, "alice", PASSWORD)
    assert PAIR_LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SignInFailure.objects.filter(username="alice").count() == 3  # locked tries are not counted


def test_guesses_from_other_addresses_do_not_lock_the_owner_out(client, django_user_model, settings):
    # Issue 14: five wrong passwords for admin from five addresses refused the real admin for 15 minutes.
    settings.SIGNIN_FAILURES_PER_USERNAME = 5
    django_user_model.objects.create_superuser("admin", password=PASSWORD)
    for number in range(5):
        page = sign_in(Client(), "admin", "wrong", X_Forwarded_For=f"203.0.113.{number}").content.decode()
        assert WRONG_PASSWORD in page
    assert sign_in(client, "admin", PASSWORD, X_Forwarded_For="198.51.100.2").status_code == 302
    assert client.session["_auth_user_id"]


def test_lock_on_one_username_leaves_other_accounts_alone(client, alice, django_user_model):
    django_user_model.objects.create_user("bob", password=PASSWORD)
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "bob", PASSWORD).status_code == 302


def test_lock_ends_when_the_failures_are_old_enough(client, alice):
    for _ in range(3):
        sign_in(client, "alice", "wrong")
    assert "Too many failed" in sign_in(client, "alice", PASSWORD).content.decode()
    SignInFailure.objects.update(failed_at=SignInFailure.objects.first().failed_at - timedelta(seconds=601))
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_success_forgets_the_usernames_failures_from_its_own_address_only(client, alice):
    sign_in(client, "alice", "wrong", X_Forwarded_For="203.0.113.9")  # someone else's guess
    for _ in range(2):
        sign_in(client, "alice", "wrong", X_Forwarded_For="198.51.100.2")
    assert sign_in(client, "alice", PASSWORD, X_Forwarded_For="198.51.100.2").status_code == 302
    # The guesser's failure still counts towards the username's slow-down.
    assert list(SignInFailure.objects.filter(username="alice").values_list("client_address", flat=True)) == [
        "203.0.113.9"
    ]


def test_address_is_locked_after_failures_across_usernames(client, alice):
    for index in range(6):
        sign_in(client, f"guess{index}", "wrong", X_Forwarded_For="203.0.113.7")
    locked = sign_in(client, "alice", PASSWORD, X_Forwarded_For="203.0.113.7")
    assert ADDRESS_LOCKED in locked.content.decode()
    # The same account from another address is fine: the lock was on the address.
    assert sign_in(client, "alice", PASSWORD, X_Forwarded_For="198.51.100.2").status_code == 302


def test_forged_forwarded_for_entries_do_not_escape_the_address_lock(client, alice):
    for index in range(6):
        # The router appends the real address; what the client put first is ignored.
        sign_in(client, f"guess{index}", "wrong", X_Forwarded_For=f"10.0.0.{index}, 203.0.113.7")
    locked = sign_in(client, "alice", PASSWORD, X_Forwarded_For="10.9.9.9, 203.0.113.7")
    assert ADDRESS_LOCKED in locked.content.decode()


# --- Slowing down a username guessed at from many addresses ---------------------------


@pytest.mark.parametrize(
    ("failures", "most", "seconds"),
    [
        (0, 2.0, 0.0),
        (2, 2.0, 0.0),  # below the limit (3 here): no wait
        (3, 2.0, 0.5),
        (4, 2.0, 1.0),
        (5, 2.0, 2.0),
        (6, 2.0, 2.0),  # capped
        (10_000, 2.0, 2.0),
        (4, 0.75, 0.75),
        (10, 0.0, 0.0),  # SIGNIN_SLOWDOWN_MAX_SECONDS=0: no slow-down
    ],
)
def test_slowdown_grows_with_the_usernames_failures_up_to_the_cap(settings, failures, most, seconds):
    settings.SIGNIN_SLOWDOWN_MAX_SECONDS = most
    assert signin_slowdown(failures) == seconds


def test_no_slowdown_when_the_username_limit_is_off(settings):
    settings.SIGNIN_FAILURES_PER_USERNAME = 0
    assert signin_slowdown(100) == 0.0


def test_a_username_guessed_at_from_many_addresses_is_slowed_not_refused(client, alice, settings, caplog):
    settings.SIGNIN_SLOWDOWN_MAX_SECONDS = 1.0
    for number in range(4):  # limit 3: the fourth guess waits 0.5 s
        assert WRONG_PASSWORD in sign_in(Client(), "alice", "wrong", X_Forwarded_For=f"203.0.113.{number}").content.decode()
    started = time.monotonic()
    response = sign_in(client, "alice", PASSWORD, X_Forwarded_For="198.51.100.2")
    waited = time.monotonic() - started
    assert response.status_code == 302  # slowed, then let in
    assert waited >= 1.0  # a floor only: 4 failures, limit 3, cap 1 s
    assert [record.getMessage() for record in caplog.records if "slowed" in record.getMessage()] == [
        "sign-in for 'alice' slowed by 0.5 s: many failed sign-ins for it from several addresses",
        "sign-in for 'alice' slowed by 1.0 s: many failed sign-ins for it from several addresses",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_flood_of_guesses_cannot_put_every_thread_to_sleep(alice, settings, caplog):
    # Each slowed guess holds a gunicorn thread: past SLOWED_AT_ONCE asleep in a process,
    # a guess is checked at once (and still counted), so the other pages keep their threads.
    settings.SIGNIN_SLOWDOWN_MAX_SECONDS = 3.0
    for number in range(6):
        SignInFailure.objects.create(username="alice", client_address=f"203.0.113.{number}")
    guesses = signin.SLOWED_AT_ONCE + 2
    statuses = in_threads(guesses, lambda number: sign_in(
        Client(), "alice", "wrong", X_Forwarded_For=f"198.51.100.{number}").status_code, race=True)
    assert statuses == [200] * guesses  # each told "wrong password"
    messages = [record.getMessage() for record in caplog.records]
    slept = [message for message in messages if "slowed by 3.0 s" in message and "not slowed" not in message]
    assert len(slept) == signin.SLOWED_AT_ONCE
    assert sum("not slowed by 3.0 s" in message for message in messages) == 2
    assert SignInFailure.objects.filter(username="alice").count() == 6 + guesses


@pytest.mark.django_db(transaction=True)
def test_a_slowed_sign_in_holds_no_lock_while_it_waits(alice, settings, caplog):
    settings.SIGNIN_SLOWDOWN_MAX_SECONDS = 3.0
    for number in range(6):
        SignInFailure.objects.create(username="alice", client_address=f"203.0.113.{number}")
    statuses: list[int] = []

    def sign_in_slowed() -> None:
        try:
            statuses.append(sign_in(Client(), "alice", PASSWORD, X_Forwarded_For="198.51.100.2").status_code)
        finally:
            connection.close()

    signing_in = threading.Thread(target=sign_in_slowed)
    signing_in.start()
    try:
        dyno.wait_until(lambda: any("slowed by 3.0 s" in record.getMessage() for record in caplog.records),
                        timeout=10, what="the slowed sign-in's wait")
        # Other sign-ins for this username, or from this address, are counted meanwhile.
        assert shared.holder("signin:username:alice") is None
        assert shared.holder("signin:address:198.51.100.2") is None
        assert signing_in.is_alive()
    finally:
        signing_in.join()
    assert statuses == [302]


def test_admin_sign_in_is_locked_too_and_says_so(client, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    for _ in range(3):
        client.post("/admin/login/", {"username": "root", "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- The client's address ------------------------------------------------------------


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        (1, "", "192.0.2.1"),  # no router in between: the connection's address
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client wrote 6.6.6.6
        (2, "6.6.6.6, 203.0.113.7, 10.1.2.3", "203.0.113.7"),  # a CDN, then the router
        (0, "203.0.113.7", "192.0.2.1"),  # reached directly: the header is the client's word
        (1, "2001:db8::1", "2001:db8::"),  # IPv6 counts by its /64 (issue 14)
        (1, "2001:db8:0:0:ffff:abcd:1:2", "2001:db8::"),
        (1, "2001:db8:0:1::1", "2001:db8:0:1::"),
        (1, "not-an-address", "0.0.0.0"),
    ],
)
def test_client_address_trusts_only_the_routers_entries(rf, settings, hops, forwarded_for, expected):
    settings.TRUSTED_PROXIES = hops
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    request = rf.get("/", REMOTE_ADDR="192.0.2.1", headers=headers)
    assert client_address(request) == expected


# --- The site's own error pages, signed in -------------------------------------


@pytest.mark.urls("tests.boom_urls")
def test_the_500_page_keeps_the_header_with_sign_out(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "Signed in as <strong>alice</strong>" in html
    assert 'action="/accounts/logout/"' in html and "csrfmiddlewaretoken" in html


def test_the_500_page_still_renders_when_its_request_cannot_be_used(rf, caplog):
    from django.db import OperationalError
    from django.utils.functional import SimpleLazyObject

    from runs.views.handlers import server_error

    def database_down():
        raise OperationalError("the database does not answer")

    request = rf.get("/")
    request.user = SimpleLazyObject(database_down)  # as AuthenticationMiddleware's, with the sessions gone
    response = server_error(request)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"Sign out" not in response.content
    assert "rendered without" in caplog.text


def test_the_404_page_keeps_the_header_with_sign_out(client, alice):
    client.force_login(alice)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Signed in as <strong>alice</strong>" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_racing_wrong_passwords_get_exactly_the_limit_of_checks(alice):
    # With the failure written after the password check, all ten would pass the lockout check first.
    def guess(number: int) -> str:
        return sign_in(Client(), "alice", f"wrong-{number}", X_Forwarded_For="203.0.113.7").content.decode()

    pages = in_threads(10, guess, race=True)
    assert sum(WRONG_PASSWORD in page for page in pages) == 3
    assert sum(PAIR_LOCKED in page for page in pages) == 7
    assert SignInFailure.objects.filter(username="alice").count() == 3
