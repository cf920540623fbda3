"""Synthetic Archal run records of a chosen size, the same bytes every time.

A record has the shape of Archal's `GET /api/runs/{runId}`: the scenario and
its criteria, the agent, and a long `trace` of steps (agent messages, tool
calls, API requests with headers and bodies, state changes), followed by the
output and usage. Steps are added until the JSON reaches the size asked for,
so a bigger record is a longer trace, as it is for real runs. Everything
comes from `random.Random(seed)`: no clock, no uuid4.
"""

from __future__ import annotations

import json
import random
import string
from datetime import datetime, timedelta, timezone

SIZES = {"10KB": 10_000, "1MB": 1_000_000, "10MB": 10_000_000, "50MB": 50_000_000}
SEED = 20251107

_WORDS = (
    "the agent issue label triage repository comment slack channel message refund charge customer "
    "invoice duplicate criterion passed failed retry rate limit timeout webhook payload migration "
    "linear jira ticket assignee priority backlog sprint review merge pull request branch commit "
    "deploy rollback incident pager on-call summary report owner team weekly stale close reopen "
    "a an of to in for on with is was it this that and or not be by from at as"
).split()
# Now and then a word of another script, or markup and quotes a page must escape.
_ODD_WORDS = ("über", "naïve", "café", "東京", "данные", "مرحبا", "<script>alert(1)</script>", "&", '"quoted"')
_SERVICES = ("github", "slack", "stripe", "linear", "jira")
_TOOLS = {
    "github": ("github.list_issues", "github.get_issue", "github.add_labels", "github.create_comment"),
    "slack": ("slack.post_message", "slack.list_channels", "slack.get_user"),
    "stripe": ("stripe.list_charges", "stripe.create_refund", "stripe.retrieve_customer"),
    "linear": ("linear.create_issue", "linear.update_issue", "linear.search"),
    "jira": ("jira.search", "jira.get_issue", "jira.transition"),
}
_API = {
    "github": "https://api.github.clone.archal.ai",
    "slack": "https://api.slack.clone.archal.ai/api",
    "stripe": "https://api.stripe.clone.archal.ai/v1",
    "linear": "https://api.linear.clone.archal.ai/graphql",
    "jira": "https://api.jira.clone.archal.ai/rest/api/3",
}


class _Writer:
    """One record's random source and clock."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clock = datetime(2025, 11, 7, 2, 0, 5, 117_000, tzinfo=timezone.utc)
        self.calls = 0

    def now(self) -> str:
        self.clock += timedelta(milliseconds=self.rng.randint(5, 4_000))
        return self.clock.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.clock.microsecond // 1000:03d}Z"

    def words(self, low: int, high: int) -> str:
        words = self.rng.choices(_WORDS, k=self.rng.randint(low, high))
        if words and self.rng.random() < 0.1:
            words[self.rng.randrange(len(words))] = self.rng.choice(_ODD_WORDS)
        return " ".join(words)

    def text(self, paragraphs: int) -> str:
        return "\n\n".join(self.words(20, 80).capitalize() + "." for _ in range(paragraphs))

    def token(self, n: int) -> str:
        return "".join(self.rng.choices(string.ascii_lowercase + string.digits, k=n))

    def user(self) -> dict:
        uid = self.rng.randint(1_000, 190_000_000)
        login = self.token(8)
        return {
            "login": login, "id": uid, "node_id": f"U_{self.token(12)}",
            "avatar_url": f"https://avatars.clone.archal.ai/u/{uid}?v=4",
            "html_url": f"https://github.clone.archal.ai/{login}", "type": "User", "site_admin": False,
        }

    def issue(self, repo: str) -> dict:
        number = self.rng.randint(1, 9_000)
        return {
            "id": self.rng.getrandbits(63),  # 64-bit IDs that JavaScript numbers would round
            "number": number,
            "title": self.words(4, 12),
            "state": self.rng.choice(("open", "closed")),
            "url": f"{_API['github']}/repos/northwind/{repo}/issues/{number}",
            "user": self.user(),
            "labels": [
                {"id": self.rng.randint(10**9, 2 * 10**9), "name": self.rng.choice(_WORDS), "color": self.token(6),
                 "default": self.rng.random() < 0.2, "description": None}
                for _ in range(self.rng.randint(0, 4))
            ],
            "assignees": [self.user() for _ in range(self.rng.randint(0, 2))],
            "comments": self.rng.randint(0, 40),
            "created_at": self.now(),
            "updated_at": self.now(),
            "closed_at": None,
            "body": self.text(self.rng.randint(1, 4)) if self.rng.random() < 0.8 else None,
            "reactions": {"total_count": self.rng.randint(0, 9), "+1": self.rng.randint(0, 5), "-1": 0},
        }

    def headers(self, service: str) -> dict:
        headers = {
            "accept": "application/json",
            "user-agent": "archal-harness/0.10.0 python-httpx/0.27.2",
            "authorization": "[REDACTED]",
            "x-archal-session": "ses_b7n2m5k8p3",
            "x-request-id": f"req_{self.rng.getrandbits(40):010x}",
        }
        if service == "github":
            headers["x-github-api-version"] = "2022-11-28"
        return headers

    def step(self, index: int) -> dict:
        kind = self.rng.choices(
            ("agent_message", "tool_call", "api_request", "state_change"), weights=(2, 3, 4, 1)
        )[0]
        service = self.rng.choice(_SERVICES)
        at = self.now()
        if kind == "agent_message":
            return {
                "index": index, "timestamp": at, "kind": kind, "role": "assistant",
                "content": self.text(self.rng.randint(1, 5)),
                "tokens": {"input": self.rng.randint(6_000, 24_000), "output": self.rng.randint(40, 420)},
            }
        self.calls += 1
        call_id = f"call_{self.calls:05d}"
        if kind == "tool_call":
            failed = self.rng.random() < 0.05
            return {
                "index": index, "timestamp": at, "kind": kind, "call_id": call_id,
                "tool": self.rng.choice(_TOOLS[service]),
                "arguments": {"owner": "northwind", "repo": self.token(7), "query": self.words(2, 6),
                              "limit": self.rng.choice((10, 50, 100)), "labels": [self.rng.choice(_WORDS)]},
                "duration_ms": self.rng.randint(60, 600),
                "status": "error" if failed else "ok",
                "result": None if failed else {"ok": True, "count": self.rng.randint(0, 200),
                                               "ids": [self.rng.getrandbits(53) for _ in range(self.rng.randint(0, 8))]},
                "error": {"type": "RateLimited", "message": self.words(5, 15), "retry_after": 30,
                          "stack": "\n".join(f'  File "/srv/harness/{self.token(6)}.py", line {self.rng.randint(1, 900)}'
                                             for _ in range(6))} if failed else None,
            }
        if kind == "state_change":
            before = self.issue(self.token(7))
            after = {**before, "state": "closed", "closed_at": self.now(), "labels": before["labels"][:1]}
            return {
                "index": index, "timestamp": at, "kind": kind, "call_id": call_id, "service": service,
                "resource": "issue", "resource_id": str(before["id"]), "operation": "update",
                "before": before, "after": after,
            }
        method = self.rng.choice(("GET", "GET", "GET", "POST", "PATCH"))
        repo = self.token(7)
        if method == "GET":
            body = None
            response_body: object = [self.issue(repo) for _ in range(self.rng.randint(0, 6))]
        else:
            body = {"title": self.words(4, 10), "body": self.text(self.rng.randint(1, 3)),
                    "labels": [self.rng.choice(_WORDS) for _ in range(3)], "assignee": None}
            response_body = self.issue(repo)
        if self.rng.random() < 0.02:  # now and then, a file or a log dump: one long string
            response_body = {"name": "CHANGELOG.md", "encoding": "utf-8", "size": 0,
                             "content": self.text(self.rng.randint(30, 120))}
        return {
            "index": index, "timestamp": at, "kind": kind, "call_id": call_id, "service": service,
            "duration_ms": self.rng.randint(35, 420),
            "request": {"method": method, "url": f"{_API[service]}/repos/northwind/{repo}/issues?state=open&per_page=100",
                        "headers": self.headers(service), "body": body},
            "response": {"status": self.rng.choice((200, 200, 200, 201, 404, 422, 502)),
                         "headers": {"content-type": "application/json; charset=utf-8",
                                     "x-ratelimit-remaining": str(self.rng.randint(0, 5000)),
                                     "etag": f'W/"{self.token(32)}"'},
                         "body": response_body},
        }


def build_record(target_bytes: int, seed: int = SEED, run_id: str = "run_bench") -> dict:
    """Return a run record whose compact JSON is about `target_bytes` long."""
    writer = _Writer(seed)
    started = writer.now()
    record: dict = {
        "id": run_id,
        "object": "run",
        "scenario": {
            "id": "scn_backlog_sweep", "name": "Weekly backlog sweep",
            "description": writer.text(2),
            "services": list(_SERVICES),
            "setup": {"seed_state": "northwind-fleet-org", "seed": writer.rng.getrandbits(63), "repos": 18},
        },
        "agent": {"name": "sweeper", "model": "claude-sonnet-4-5", "version": "1.4.2",
                  "config": {"temperature": 0.2, "max_tokens": 8192, "tools": sorted(t for ts in _TOOLS.values() for t in ts)}},
        "status": "passed",
        "score": 0.9125,
        "started_at": started,
        "finished_at": None,
        "duration_ms": 0,
        "criteria": [
            {"id": f"crit_{i}", "description": writer.words(8, 20), "weight": writer.rng.choice((1, 2, 3)),
             "score": round(writer.rng.random(), 4), "passed": writer.rng.random() < 0.8,
             "evidence": [f"/trace/{writer.rng.randint(0, 50)}" for _ in range(writer.rng.randint(0, 3))],
             "notes": writer.words(5, 30)}
            for i in range(8)
        ],
        "trace": [],
        "output": {"summary": writer.text(3), "artifacts": [], "exit_code": 0},
        "error": None,
        "usage": {},
        "retries": 0,
        "parent_run_id": None,
        "labels": {"schedule": "weekly", "owner": "dev-productivity"},
        "links": {"self": f"https://api.archal.ai/api/runs/{run_id}", "web": f"https://archal.ai/runs/{run_id}"},
    }
    size = len(json.dumps(record, ensure_ascii=False).encode())
    trace = record["trace"]
    while size < target_bytes:
        step = writer.step(len(trace))
        trace.append(step)
        size += len(json.dumps(step, ensure_ascii=False).encode()) + 2  # ", " between steps
    record["finished_at"] = writer.now()
    record["duration_ms"] = int((writer.clock - datetime(2025, 11, 7, 2, 0, 5, 117_000, tzinfo=timezone.utc)).total_seconds() * 1000)
    record["usage"] = {
        "steps": len(trace),
        "tool_calls": sum(1 for s in trace if s["kind"] == "tool_call"),
        "api_requests": sum(1 for s in trace if s["kind"] == "api_request"),
        "cost_usd": round(len(trace) * 0.0137, 4),
    }
    return record


def encode(record: object) -> bytes:
    """The record as Archal would send it: compact-ish UTF-8 JSON."""
    return json.dumps(record, ensure_ascii=False).encode()


def synthetic_bodies(sizes: dict[str, int] = SIZES) -> dict[str, bytes]:
    """Label -> JSON body, for each size."""
    return {label: encode(build_record(size, run_id=f"run_bench_{label.lower()}")) for label, size in sizes.items()}
