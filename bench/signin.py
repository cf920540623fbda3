"""`python -m bench.signin`: one username guessed at from many addresses (issue 14), as numbers.

A benchmark, not a test: it prints what it measured and never fails. One
web process of the Procfile (WEB_CONCURRENCY=2 workers of GUNICORN_THREADS=8
threads, the defaults), its release run on a fresh SQLite database with the
database cache shared by both workers, and an admin account. Then an
attacker sends wrong passwords for `admin` for DURATION_S seconds from
ATTACKERS connections at once, each guess from a new address (as a botnet
would), while the real admin signs in with the right password from an
address of their own halfway through, and once more after the attack.

Counted: the attacker's password checks (pages saying "wrong password"),
and so its guesses per minute; its lockout pages; whether the admin got in,
and how long that took. `--duration` and `--attackers` change the attack;
any other NAME=VALUE argument is a setting of the web process
(`SIGNIN_SLOWDOWN_MAX_SECONDS=0` turns the slow-down off).
"""

from __future__ import annotations

import argparse
import itertools
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

import dyno

SITE = "dash.example.com"
PASSWORD = "a-long-password-for-the-real-admin"
WRONG = "Please enter a correct username and password"
LOCKED = "Too many failed sign-ins"


class Browser:
    """One visitor behind the platform's router: its cookies and CSRF token, kept by hand."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.trust_env = False
        page = self.session.get(f"{url}/accounts/login/", headers=self._headers("198.51.100.250"), timeout=60)
        self.cookies = {name: value for name, value in page.cookies.items()}
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, "no CSRF token on the sign-in page"
        self.token = match.group(1)

    def sign_in(self, password: str, address: str) -> requests.Response:
        headers = {**self._headers(address), "Origin": f"https://{SITE}",
                   "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        data = {"csrfmiddlewaretoken": self.token, "username": "admin", "password": password}
        return self.session.post(f"{self.url}/accounts/login/", data=data, headers=headers,
                                 allow_redirects=False, timeout=120)

    @staticmethod
    def _headers(address: str) -> dict[str, str]:
        return {"Host": SITE, "X-Forwarded-Proto": "https", "X-Forwarded-For": address}


@dataclass
class Tally:
    checks: int = 0  # wrong-password pages: the password was checked
    locked: int = 0
    other: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, response: requests.Response) -> None:
        with self.lock:
            if WRONG in response.text:
                self.checks += 1
            elif LOCKED in response.text:
                self.locked += 1
            else:
                self.other += 1


def admin_signs_in(url: str, address: str) -> str:
    started = time.monotonic()
    response = Browser(url).sign_in(PASSWORD, address)
    took = time.monotonic() - started
    outcome = "signed in" if response.status_code == 302 else ("locked out" if LOCKED in response.text else "refused")
    return f"{outcome} in {took:.1f} s"


def attack(url: str, attackers: int, duration: float, admin_at: float) -> tuple[Tally, str]:
    tally, addresses = Tally(), (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))
    address_lock = threading.Lock()
    end = time.monotonic() + duration

    def guesser(number: int) -> None:
        browser = Browser(url)
        for guess in itertools.count():
            if time.monotonic() >= end:
                return
            with address_lock:
                address = next(addresses)
            tally.count(browser.sign_in(f"guess-{number}-{guess}", address))

    with ThreadPoolExecutor(attackers + 1) as pool:
        guessers = [pool.submit(guesser, number) for number in range(attackers)]
        time.sleep(admin_at)
        during = pool.submit(admin_signs_in, url, "198.51.100.2").result()
        for done in guessers:
            done.result()
    return tally, during


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--attackers", type=int, default=32)
    parser.add_argument("settings", nargs="*", help="NAME=VALUE settings of the web process")
    arguments = parser.parse_args()
    settings = dict(setting.split("=", 1) for setting in arguments.settings)
    with tempfile.TemporaryDirectory() as scratch:
        env = dyno.platform_env(
            database_url=f"sqlite:///{scratch}/db.sqlite3", archal_url="http://127.0.0.1:9", archal_token="unused",
            static_root=Path(scratch) / "static", allowed_hosts=SITE, CACHE_URL="dbcache://archal_dash_cache",
            **settings,
        )
        dyno.release(env)
        dyno.run(["python", "manage.py", "createsuperuser", "--noinput", "--username", "admin",
                  "--email", "admin@example.com"], {**env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD})
        with dyno.web(env, Path(scratch) / "web.log") as web:
            tally, during = attack(web.url, arguments.attackers, arguments.duration, arguments.duration / 2)
            after = admin_signs_in(web.url, "198.51.100.3")
    per_minute = tally.checks / arguments.duration * 60
    print(f"{arguments.attackers} attackers, {arguments.duration:g} s, settings {settings or 'default'}:")
    print(f"  attacker's password checks: {tally.checks} ({per_minute:.0f} a minute); "
          f"lockout pages: {tally.locked}; other answers: {tally.other}")
    print(f"  the real admin, during the attack: {during}; after it: {after}")


if __name__ == "__main__":
    main()
