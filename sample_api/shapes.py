"""The pieces a generated run record is made of, in the shapes Archal and the cloned services use.

Trace steps (agent messages, tool calls, API requests, state changes), the
headers the clone proxy logs, and GitHub's own objects (users, labels, issues).
"""

from __future__ import annotations

import base64
from datetime import datetime
from urllib.parse import quote

GITHUB_API = "https://api.github.clone.archal.ai"
GITHUB_WEB = "https://github.clone.archal.ai"
SLACK_API = "https://api.slack.clone.archal.ai/api"
LINEAR_API = "https://api.linear.clone.archal.ai/graphql"
HARNESS_UA = "archal-harness/0.10.0 python-httpx/0.27.2"
JSON_TYPE = "application/json; charset=utf-8"


def iso(dt: datetime) -> str:
    """Archal's timestamp format: UTC with milliseconds and a Z."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def gh_time(dt: datetime) -> str:
    """GitHub's own timestamp format (seconds, no fraction)."""
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int) -> str:
    """GitHub's legacy global node ID: base64 of e.g. ``05:Issue2594827561``."""
    prefix = {"User": "04", "Issue": "05", "Label": "010", "IssueComment": "012"}[kind]
    return base64.b64encode(f"{prefix}:{kind}{number}".encode()).decode()


def weighted_score(criteria: list[dict]) -> float:
    """The run's score: each criterion's score weighted by its weight."""
    total = sum(c["weight"] for c in criteria)
    return round(sum(c["score"] * c["weight"] for c in criteria) / total, 4)


def usage(trace: list[dict], *, llm_calls: int, input_tokens: int, output_tokens: int,
          usd_per_mtok_in: float, usd_per_mtok_out: float) -> dict:
    """The run's `usage` block: steps of each kind counted, tokens priced."""
    def count(kind: str) -> int:
        return sum(1 for step in trace if step["kind"] == kind)

    return {
        "steps": len(trace),
        "llm_calls": llm_calls,
        "tool_calls": count("tool_call"),
        "api_requests": count("api_request"),
        "state_changes": count("state_change"),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_usd": round(input_tokens * usd_per_mtok_in / 1e6 + output_tokens * usd_per_mtok_out / 1e6, 4),
    }


def links(run_id: str) -> dict:
    return {
        "self": f"https://api.archal.ai/api/runs/{run_id}",
        "web": f"https://archal.ai/runs/{run_id}",
    }


# -- trace steps ---------------------------------------------------------------

def message(at: str, content: str, role: str = "assistant") -> dict:
    return {"timestamp": at, "kind": "agent_message", "role": role, "content": content}


def tool_call(at: str, call_id: str, tool: str, arguments: dict, *, duration_ms: int,
              result: object = None, error: dict | None = None) -> dict:
    return {
        "timestamp": at, "kind": "tool_call", "call_id": call_id, "tool": tool,
        "arguments": arguments, "duration_ms": duration_ms,
        "status": "error" if error else "ok", "result": result, "error": error,
    }


def api_request(at: str, call_id: str, service: str, method: str, url: str, *, status: int,
                duration_ms: int, headers: dict, body: object = None,
                response_headers: dict, response_body: object) -> dict:
    return {
        "timestamp": at, "kind": "api_request", "call_id": call_id, "service": service,
        "duration_ms": duration_ms,
        "request": {"method": method, "url": url, "headers": headers, "body": body},
        "response": {"status": status, "headers": response_headers, "body": response_body},
    }


def state_change(at: str, call_id: str, service: str, resource: str, resource_id: str,
                 operation: str, before: object, after: object) -> dict:
    return {
        "timestamp": at, "kind": "state_change", "call_id": call_id, "service": service,
        "resource": resource, "resource_id": resource_id, "operation": operation,
        "before": before, "after": after,
    }


# -- headers -------------------------------------------------------------------

def request_headers(session: str, service: str, *, json_body: bool = False) -> dict:
    """Request headers as the clone proxy logged them: credentials are redacted."""
    headers = {
        "accept": "application/vnd.github+json" if service == "github" else "application/json",
        "user-agent": HARNESS_UA,
        "authorization": "[REDACTED]",
        "x-archal-session": session,
    }
    if json_body:
        headers["content-type"] = "application/json"
    if service == "github":
        headers["x-github-api-version"] = "2022-11-28"
    return headers


def response_headers(request_id: str, content_type: str = JSON_TYPE, **extra: str) -> dict:
    return {"content-type": content_type, "x-archal-request-id": request_id, **extra}


# -- GitHub objects ----------------------------------------------------------------

def gh_user(login: str, uid: int, kind: str = "User") -> dict:
    return {
        "login": login,
        "id": uid,
        "node_id": node_id("User", uid),
        "avatar_url": f"https://avatars.github.clone.archal.ai/u/{uid}?v=4",
        "html_url": f"{GITHUB_WEB}/{quote(login)}",
        "type": kind,
        "site_admin": False,
    }


def gh_label(owner: str, repo: str, lid: int, name: str, color: str, description: str | None,
             default: bool = False) -> dict:
    return {
        "id": lid,
        "node_id": node_id("Label", lid),
        "url": f"{GITHUB_API}/repos/{owner}/{repo}/labels/{quote(name)}",
        "name": name,
        "color": color,
        "default": default,
        "description": description,
    }


def gh_issue(owner: str, repo: str, *, iid: int, number: int, title: str, body: str | None,
             user: dict, created: datetime, updated: datetime, labels: list[dict],
             comments: int, association: str, reactions: dict) -> dict:
    """An open issue as GitHub's REST API returns it."""
    counts = {"+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0,
              "rocket": 0, "eyes": 0, **reactions}
    base = f"{GITHUB_API}/repos/{owner}/{repo}/issues/{number}"
    return {
        "url": base,
        "repository_url": f"{GITHUB_API}/repos/{owner}/{repo}",
        "comments_url": f"{base}/comments",
        "html_url": f"{GITHUB_WEB}/{owner}/{repo}/issues/{number}",
        "id": iid,
        "node_id": node_id("Issue", iid),
        "number": number,
        "title": title,
        "user": user,
        "labels": labels,
        "state": "open",
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": comments,
        "created_at": gh_time(created),
        "updated_at": gh_time(updated),
        "closed_at": None,
        "author_association": association,
        "active_lock_reason": None,
        "body": body,
        "reactions": {"url": f"{base}/reactions", "total_count": sum(counts.values()), **counts},
        "performed_via_github_app": None,
        "state_reason": None,
    }
