"""The one generator of big run records: an agent's hour-long sweep of a GitHub org's backlog.

For each repository the agent lists the open issues, reads each one's
comments, then closes duplicates and stale issues, fixes labels, escalates
bugs to Linear, and posts progress to Slack every 40 issues; a digest, the
criteria and a report end the run. The sample API serves it as run_x4h7t1j9se
(18 repositories, several MB); bench/ and loadtest/ ask for a size and get it
grown with more repositories, or its trace cut short.

The words it is made of, and its scenario, agent and clones, are data
(data/backlog_sweep.json). Everything else comes from random.Random with a
fixed seed: no clock, no uuid4, the same bytes every time.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

from sample_api.shapes import (
    GITHUB_API,
    GITHUB_WEB,
    LINEAR_API,
    SLACK_API,
    api_request,
    gh_issue,
    gh_label,
    gh_time,
    gh_user,
    iso,
    links,
    message,
    node_id,
    request_headers,
    response_headers,
    state_change,
    tool_call,
    usage,
    weighted_score,
)

SAMPLE_RUN_ID = "run_x4h7t1j9se"
SEED = 20251107
START = datetime(2025, 11, 7, 2, 0, 5, 117_000, tzinfo=timezone.utc)
SESSION = "ses_b7n2m5k8p3"
ORG = "northwind-fleet"
LINEAR_TEAM = "e7c4a1d2-39f0-4b6e-8d25-c1f0a9b3e847"
CREATE_MUTATION = ("mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) "
                   "{ success issue { id identifier url } } }")
SLACK_CHANNEL = "C06BACKLOG1"
DECISIONS = ("duplicate", "stale", "relabel", "escalate", "keep")

DATA = json.loads((Path(__file__).resolve().parent / "data" / "backlog_sweep.json").read_text(encoding="utf-8"))
REPOS: list[str] = DATA["repos"]
PEOPLE: list[list[str]] = DATA["people"]  # [login, name]
LABEL_IDS = {name: 1_205_348_800 + i * 7_919 for i, (name, _, _) in enumerate(DATA["labels"])}
LABEL_LOOKS = {name: (color, description) for name, color, description in DATA["labels"]}

PLAN = ("Plan: for each of the 18 northwind-fleet repos, list open issues older than 90 days, read "
        "each one's comments, then close duplicates and stale issues, fix labels, escalate customer-impacting "
        "bugs to Linear, and keep anything with recent maintainer activity. Progress to #eng-backlog "
        "every ~40 issues; final digest at the end.")
BAD_GATEWAY = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
               "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>archal-clone-proxy"
               "</center>\r\n</body>\r\n</html>\r\n")
SECONDARY_RATE_LIMIT = {
    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    "documentation_url": "https://docs.github.com/rest/using-the-rest-api/"
                         "rate-limits-for-the-rest-api#about-secondary-rate-limits",
    "status": "403",
}


def encode(record: object) -> bytes:
    """The record as Archal sends it: compact UTF-8 JSON."""
    return json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8")


def backlog_sweep(run_id: str = SAMPLE_RUN_ID, target_bytes: int | None = None) -> dict:
    """Return the sweep's record: the 18 repositories, or with `target_bytes`, as many
    more as it takes to pass that size, then its trace cut to fit it."""
    sweep = _Sweep(run_id)
    sweep.first_step = sweep.think(PLAN) + 1
    for count, repo in enumerate(_repositories()):
        if count >= len(REPOS) and (target_bytes is None or sweep.trace_bytes() >= target_bytes):
            break
        sweep.sweep_repo(repo)
    record = sweep.finish()
    return record if target_bytes is None else cut_to(record, target_bytes)


def cut_to(record: dict, target_bytes: int) -> dict:
    """Return the record with the longest start of its trace that keeps its JSON within `target_bytes`."""
    size = len(encode({**record, "trace": []}))
    kept = 0
    for step in record["trace"]:
        size += len(encode(step)) + (2 if kept else 0)  # ", " between steps
        if size > target_bytes:
            break
        kept += 1
    return {**record, "trace": record["trace"][:kept]}


def _repositories() -> Iterator[str]:
    """The org's repositories, then (for bigger records) the same again as fleet-api-2, …"""
    for round_ in itertools.count(1):
        yield from (repo if round_ == 1 else f"{repo}-{round_}" for repo in REPOS)


class _Sweep:
    """One sweep: its random source, clock, trace and tallies."""

    def __init__(self, run_id: str) -> None:
        self.rng = random.Random(SEED)
        self.run_id = run_id
        self.clock = 0  # milliseconds since START
        self.trace: list[dict] = []
        self.measured = self.measured_bytes = 0
        self.first_step = 0
        self.calls = self.reviewed = self.slack_seq = 0
        self.linear_seq = 412
        self.issue_id = 2_100_000_000
        self.llm_calls = self.tokens_in = self.tokens_out = 0
        self.stats: dict[str, dict[str, int]] = {}  # repo -> reviewed and each decision
        self.expected_dups = self.correct_dups = self.closed_total = 0
        self.wrongly_closed: list[tuple[int, str]] = []  # (step, "repo#number")
        self.escalated: list[tuple[str, str]] = []  # ("repo#number", Linear identifier)
        self.progress_steps: list[int] = []

    # -- the clock, the trace and the steps ------------------------------------

    def moment(self) -> datetime:
        return START + timedelta(milliseconds=self.clock)

    def now(self) -> str:
        return iso(self.moment())

    def tick(self, low: int, high: int) -> None:
        self.clock += self.rng.randint(low, high)

    def add(self, step: dict) -> int:
        self.trace.append(step)
        return len(self.trace) - 1

    def trace_bytes(self) -> int:
        """About how long the trace's JSON is so far."""
        self.measured_bytes += sum(len(encode(step)) + 2 for step in self.trace[self.measured:])
        self.measured = len(self.trace)
        return self.measured_bytes

    def new_call(self) -> str:
        self.calls += 1
        return f"call_{self.calls:05d}"

    def label(self, repo: str, name: str) -> dict:
        color, description = LABEL_LOOKS[name]
        return gh_label(ORG, repo, LABEL_IDS[name], name, color, description,
                        default=name in ("bug", "enhancement", "question"))

    def think(self, text: str) -> int:
        """An agent message, and the model call that wrote it."""
        self.tick(900, 7_000)
        self.llm_calls += 1
        self.tokens_in += self.rng.randint(6_000, 24_000)
        self.tokens_out += self.rng.randint(40, 420)
        return self.add(message(self.now(), text))

    def tool(self, call_id: str, name: str, arguments: dict, result: object) -> int:
        self.llm_calls += 1
        self.tick(200, 1_500)
        return self.add(tool_call(self.now(), call_id, name, arguments,
                                  duration_ms=self.rng.randint(60, 600), result=result))

    def api(self, call_id: str, service: str, method: str, url: str, body: object, status: int,
            response_body: object, duration: tuple[int, int], **headers: str) -> dict:
        """An API request step at the current time."""
        return api_request(
            self.now(), call_id, service, method, url, status=status, duration_ms=self.rng.randint(*duration),
            headers=request_headers(SESSION, service, json_body=body is not None), body=body,
            response_headers=response_headers(f"req_{self.rng.getrandbits(40):010x}", **headers),
            response_body=response_body,
        )

    def request(self, call_id: str, service: str, method: str, url: str, body: object, status: int,
                response_body: object, **headers: str) -> int:
        """One API request; now and then the clone proxy answers 502 first and the tool retries."""
        if self.rng.random() < 0.012:
            self.tick(20, 90)
            self.add(self.api(call_id, service, method, url, body, 502, BAD_GATEWAY, (5_000, 30_000),
                              content_type="text/html"))
            self.tick(1_000, 2_000)
        self.tick(15, 60)
        return self.add(self.api(call_id, service, method, url, body, status, response_body, (35, 420), **headers))

    def state(self, call_id: str, service: str, resource: str, resource_id: str, operation: str,
              before: object, after: object) -> int:
        self.tick(1, 30)
        return self.add(state_change(self.now(), call_id, service, resource, resource_id, operation, before, after))

    def comment(self, repo: str, number: int, text: str) -> int:
        """The agent comments on an issue: tool call, request, new comment."""
        call_id = self.new_call()
        comment_id = 2_400_000_000 + self.rng.randrange(90_000_000)
        self.tool(call_id, "github.create_comment",
                  {"owner": ORG, "repo": repo, "issue_number": number, "body": text}, {"id": comment_id})
        self.request(call_id, "github", "POST", f"{GITHUB_API}/repos/{ORG}/{repo}/issues/{number}/comments",
                     {"body": text}, 201, {
                         "id": comment_id, "node_id": node_id("IssueComment", comment_id),
                         "html_url": f"{GITHUB_WEB}/{ORG}/{repo}/issues/{number}#issuecomment-{comment_id}",
                         "body": text, "user": gh_user("northwind-sweeper[bot]", 151_022_871, kind="Bot"),
                         "created_at": gh_time(self.moment()), "author_association": "NONE",
                     })
        return self.state(call_id, "github", "issue_comment", str(comment_id), "create", None,
                          {"issue": f"{ORG}/{repo}#{number}", "body": text})

    def post_to_slack(self, text: str, seconds_ahead: int) -> int:
        """The agent posts to #eng-backlog; returns the step that created the message."""
        call_id = self.new_call()
        self.slack_seq += 1
        ts = f"{int(self.moment().timestamp()) + seconds_ahead}.{self.slack_seq:06d}"
        body = {"channel": SLACK_CHANNEL, "text": text}
        self.tool(call_id, "slack.chat_postMessage", body, {"ok": True, "ts": ts})
        self.request(call_id, "slack", "POST", f"{SLACK_API}/chat.postMessage", body, 200,
                     {"ok": True, "channel": SLACK_CHANNEL, "ts": ts,
                      "message": {"type": "message", "text": text, "ts": ts, "bot_id": "B06SWEEPER"}})
        return self.state(call_id, "slack", "message", f"{SLACK_CHANNEL}/{ts}", "create", None,
                          {"channel": SLACK_CHANNEL, "channel_name": "eng-backlog", "ts": ts, "text": text})

    # -- one repository ------------------------------------------------------------

    def sweep_repo(self, repo: str) -> None:
        self.stats[repo] = dict.fromkeys(("reviewed", *DECISIONS), 0)
        count = self.rng.randint(18, 44)
        issues = [self.new_issue(repo, n) for n in sorted(self.rng.sample(range(40, 2_400), count), reverse=True)]
        call_id = self.new_call()
        self.think(f"Starting {ORG}/{repo}: fetching open issues not updated in the last 90 days.")
        self.tool(call_id, "github.list_issues", {"owner": ORG, "repo": repo, "state": "open", "sort": "updated",
                                                  "direction": "asc", "per_page": 100},
                  {"count": len(issues), "numbers": [i["obj"]["number"] for i in issues]})
        self.request(call_id, "github", "GET",
                     f"{GITHUB_API}/repos/{ORG}/{repo}/issues?state=open&sort=updated&direction=asc&per_page=100",
                     None, 200, [i["obj"] for i in issues],
                     **{"x-ratelimit-remaining": str(self.rng.randint(3_000, 4_990)),
                        "x-ratelimit-used": str(self.rng.randint(10, 2_000))})
        for item in issues:
            self.review(repo, item, issues)

    def new_issue(self, repo: str, number: int) -> dict:
        """An open issue, with what the sweep should do about it (its truth)."""
        rng = self.rng
        kind = rng.choices(("bug", "feature", "question"), (0.62, 0.28, 0.10))[0]
        title, body, component = _issue_text(rng, repo, kind)
        person = rng.choice(PEOPLE)
        created = START - timedelta(days=rng.randint(95, 900), seconds=rng.randrange(86_400))
        idle_days = rng.randint(1, 400)
        updated = START - timedelta(days=idle_days, seconds=rng.randrange(86_400))
        comments = rng.choices((0, 1, 2, 3, 5, 8), (0.3, 0.25, 0.2, 0.12, 0.08, 0.05))[0]
        labels = rng.sample(["needs-repro", "area:api", "area:ui", "area:infra", "good first issue"],
                            rng.choice((0, 0, 0, 1, 1, 2)))
        self.issue_id += rng.randint(1_000, 900_000)
        truth = "keep" if idle_days <= 30 else rng.choices(DECISIONS, (0.18, 0.34, 0.28, 0.1, 0.1))[0]
        if kind != "bug" and truth == "escalate":
            truth = "relabel"
        obj = gh_issue(ORG, repo, iid=self.issue_id, number=number, title=title, body=body,
                       user=gh_user(person[0], 1_000_000 + PEOPLE.index(person) * 104_729),
                       created=created, updated=updated, labels=[self.label(repo, n) for n in labels],
                       comments=comments, association=rng.choice(("NONE", "CONTRIBUTOR", "MEMBER")),
                       reactions={"+1": rng.choice((0, 0, 1, 2, 5, 13)), "eyes": rng.choice((0, 0, 1))})
        return {"obj": obj, "kind": kind, "component": component, "truth": truth, "idle": idle_days,
                "comments": comments, "labels": labels}

    # -- one issue -----------------------------------------------------------------

    def review(self, repo: str, item: dict, issues: list[dict]) -> None:
        """Read one issue, decide, act on it; post progress every 40 issues."""
        self.reviewed += 1
        self.stats[repo]["reviewed"] += 1
        decision = self.decide(item)
        self.read_comments(repo, item)
        dup_of = self.search_duplicates(repo, item, issues, decision)
        if self.rng.random() < 0.004:
            self.back_off(repo, item["obj"]["number"])
        self.stats[repo][decision] += 1
        if item["truth"] == "duplicate":
            self.expected_dups += 1  # found, or only relabelled
        if decision == "duplicate":
            self.correct_dups += 1
        getattr(self, decision)(repo, item, dup_of)
        if decision in ("duplicate", "stale"):
            self.close(repo, item, decision)
        if self.reviewed % 40 == 0:
            self.post_progress(repo)

    def decide(self, item: dict) -> str:
        """The agent's decision: the truth, with a few realistic mistakes."""
        if item["truth"] == "keep" and item["idle"] <= 30 and self.rng.random() < 0.025:
            return "stale"
        if item["truth"] == "duplicate" and self.rng.random() < 0.06:
            return "relabel"
        return item["truth"]

    def read_comments(self, repo: str, item: dict) -> None:
        number = item["obj"]["number"]
        call_id = self.new_call()
        comments = [self.new_comment(repo, item, c) for c in range(item["comments"])]
        self.tool(call_id, "github.list_comments", {"owner": ORG, "repo": repo, "issue_number": number},
                  {"count": len(comments), "last_activity_days": item["idle"]})
        self.request(call_id, "github", "GET",
                     f"{GITHUB_API}/repos/{ORG}/{repo}/issues/{number}/comments?per_page=100", None, 200, comments)

    def new_comment(self, repo: str, item: dict, c: int) -> dict:
        """The issue's comment number `c`, oldest first."""
        rng = self.rng
        author = rng.choice(DATA["maintainers"]) if rng.random() < 0.4 else rng.choice(PEOPLE)[0]
        when = START - timedelta(days=item["idle"] + (item["comments"] - 1 - c) * rng.randint(1, 40))
        return {
            "id": 1_900_000_000 + rng.randrange(500_000_000),
            "user": {"login": author, "type": "User"},
            "created_at": gh_time(when),
            "author_association": "MEMBER" if author in DATA["maintainers"] else "NONE",
            "body": rng.choice((
                "Can you share the full logs?", "Still happening on the latest release.",
                f"I think this is the same as what {rng.choice(PEOPLE)[0]} reported.",
                "We have a fix in review, should land next sprint.", "+1", "Any update? 🙏",
                "Could not reproduce on main, closing soon unless someone has a repro.",
                f"Workaround: set `{rng.choice(('SYNC_BATCH', 'OTA_CHANNEL', 'TZ'))}="
                f"{rng.choice(('50', 'beta', 'UTC'))}` and restart.",
                "Danke! Mit der neuen Version funktioniert es bei uns wieder.",
                "再現しました。ログを添付します。", "<details><summary>logs</summary>\n\n```\n"
                + _stack(rng, repo)[:300] + "\n```\n</details>")),
        }

    def search_duplicates(self, repo: str, item: dict, issues: list[dict], decision: str) -> int | None:
        """Search for issues alike, sometimes; returns the original a duplicate repeats."""
        rng, issue = self.rng, item["obj"]
        if not (decision == "duplicate" or item["truth"] == "duplicate" or rng.random() < 0.3):
            return None
        call_id = self.new_call()
        words = " ".join(issue["title"].split()[:4])
        query = f'repo:{ORG}/{repo} is:issue "{words}"'
        others = [i for i in issues if i is not item][:rng.randint(0, 3)]
        dup_of = rng.randrange(10, issue["number"]) if item["truth"] == "duplicate" else None
        hits = [{"number": dup_of, "title": issue["title"], "state": rng.choice(("open", "closed")),
                 "html_url": f"{GITHUB_WEB}/{ORG}/{repo}/issues/{dup_of}", "score": 1.0}] if dup_of else []
        hits += [{"number": o["obj"]["number"], "title": o["obj"]["title"], "state": "open",
                  "html_url": o["obj"]["html_url"], "score": round(rng.uniform(0.05, 0.6), 3)} for o in others]
        self.tool(call_id, "github.search_issues", {"q": query, "per_page": 5},
                  {"total_count": len(hits), "top": [h["number"] for h in hits]})
        self.request(call_id, "github", "GET", f"{GITHUB_API}/search/issues?" + urlencode({"q": query, "per_page": 5}),
                     None, 200, {"total_count": len(hits), "incomplete_results": False, "items": hits})
        return dup_of

    def back_off(self, repo: str, number: int) -> None:
        """GitHub's secondary rate limit refuses a write; the agent waits it out."""
        call_id = self.new_call()
        retry = self.rng.randint(30, 90)
        self.tick(100, 400)
        self.add(self.api(call_id, "github", "PATCH", f"{GITHUB_API}/repos/{ORG}/{repo}/issues/{number}",
                          {"state": "open"}, 403, SECONDARY_RATE_LIMIT, (40, 90), **{"retry-after": str(retry)}))
        self.think(f"Secondary rate limit from GitHub (retry-after {retry}s). Backing off before touching #{number}.")
        self.clock += retry * 1_000

    # -- what the agent does with it: one method per decision ----------------------------

    def duplicate(self, repo: str, item: dict, dup_of: int | None) -> None:
        number = item["obj"]["number"]
        self.think(f"#{number} ({item['obj']['title']!r}) describes the same {item['component']} problem as "
                   f"#{dup_of}; closing as a duplicate with a link.")
        self.comment(repo, number, f"Closing as a duplicate of #{dup_of}: same {item['component']} issue. "
                                   "Please follow that one for updates. If this is different, reply and we'll reopen.")

    def stale(self, repo: str, item: dict, dup_of: int | None) -> None:
        number, idle = item["obj"]["number"], item["idle"]
        if idle <= 30:  # the mistake: recent activity, yet closed
            self.think(f"#{number} has no reproduction steps and looks abandoned; closing as stale.")
        else:
            self.think(self.rng.choice((
                f"No activity on #{number} for {idle} days and no repro; closing as stale.",
                f"#{number}: last touched {idle} days ago, {item['comments']} comment(s), nothing actionable. Stale.",
                f"#{number} asked for logs {idle} days ago and never got them; closing as stale.")))
        self.comment(repo, number, self.rng.choice((
            "Closing this as stale: no activity for a long time. Comment here if it still affects you "
            "and we'll reopen. 🙏",
            f"This issue has had no activity for {idle} days, so we're closing it. If you can "
            "still reproduce it on the latest release, please open a new issue with logs.")))

    def relabel(self, repo: str, item: dict, dup_of: int | None) -> None:
        number, old = item["obj"]["number"], item["labels"]
        type_label = {"bug": "bug", "feature": "enhancement", "question": "question"}[item["kind"]]
        area = self.rng.choice(("area:api", "area:ui", "area:infra"))
        added = [n for n in (type_label, area) if n not in old]
        self.think(f"#{number} is a {item['kind']} in {item['component']}; adding {', '.join(added) or 'nothing'}.")
        call_id = self.new_call()
        self.tool(call_id, "github.add_labels", {"owner": ORG, "repo": repo, "issue_number": number,
                                                 "labels": added}, {"labels": old + added})
        self.request(call_id, "github", "POST", f"{GITHUB_API}/repos/{ORG}/{repo}/issues/{number}/labels",
                     {"labels": added}, 200, [self.label(repo, n) for n in old + added])
        self.state(call_id, "github", "issue", f"{ORG}/{repo}#{number}", "update",
                   {"labels": old}, {"labels": old + added})

    def escalate(self, repo: str, item: dict, dup_of: int | None) -> None:
        rng, issue, number = self.rng, item["obj"], item["obj"]["number"]
        affected = rng.randint(3, 2_400)
        self.think(f"#{number} hits {affected} customers' fleets ({item['component']}); opening a Linear issue "
                   "and linking it back.")
        call_id = self.new_call()
        self.linear_seq += 1
        ident = f"FLT-{self.linear_seq}"
        uid = (f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-"
               f"{rng.choice('89ab')}{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}")
        url = f"https://linear.clone.archal.ai/northwind/issue/{ident}"
        inp = {"teamId": LINEAR_TEAM, "title": issue["title"],
               "description": f"Escalated from {issue['html_url']}\n\nAffects ~{affected} fleets.\n\n"
                              + issue["body"][:600],
               "priority": rng.choice((1, 2, 2, 3)), "labelIds": []}
        self.tool(call_id, "linear.create_issue", inp, {"identifier": ident, "url": url})
        self.request(call_id, "linear", "POST", LINEAR_API, {"query": CREATE_MUTATION, "variables": {"input": inp}},
                     200, {"data": {"issueCreate": {"success": True,
                                                    "issue": {"id": uid, "identifier": ident, "url": url}}}},
                     **{"x-complexity": str(rng.randint(2, 40))})
        self.state(call_id, "linear", "issue", uid, "create", None,
                   {"identifier": ident, "title": issue["title"], "priority": inp["priority"],
                    "sortOrder": round(rng.uniform(-50_000, 50_000), 2), "state": "Triage"})
        self.comment(repo, number, f"Tracked internally as [{ident}]({url}). Thanks for the detailed report!")
        self.escalated.append((f"{repo}#{number}", ident))

    def keep(self, repo: str, item: dict, dup_of: int | None) -> None:
        number, idle = item["obj"]["number"], item["idle"]
        self.think(f"Keeping #{number} open: a maintainer replied {idle} days ago and there is an active "
                   "discussion." if idle <= 30 else
                   f"Keeping #{number} open: still valid on the latest release, and it has reactions.")

    def close(self, repo: str, item: dict, reason: str) -> None:
        """Close the issue as not planned, labelled with the reason (duplicate or stale)."""
        issue, number, old = item["obj"], item["obj"]["number"], item["labels"]
        self.closed_total += 1
        call_id = self.new_call()
        patch = {"state": "closed", "state_reason": "not_planned", "labels": old + [reason]}
        self.tool(call_id, "github.update_issue", {"owner": ORG, "repo": repo, "issue_number": number, **patch},
                  {"state": "closed"})
        closed_at = gh_time(self.moment())
        self.request(call_id, "github", "PATCH", f"{GITHUB_API}/repos/{ORG}/{repo}/issues/{number}", patch, 200,
                     {**issue, "state": "closed", "state_reason": "not_planned",
                      "labels": [self.label(repo, n) for n in patch["labels"]],
                      "closed_at": closed_at, "updated_at": closed_at, "comments": issue["comments"] + 1})
        step = self.state(call_id, "github", "issue", f"{ORG}/{repo}#{number}", "update",
                          {"state": "open", "state_reason": None, "labels": old},
                          {"state": "closed", "state_reason": "not_planned", "labels": patch["labels"]})
        if reason == "stale" and item["idle"] <= 30:
            self.wrongly_closed.append((step, f"{repo}#{number}"))

    def post_progress(self, repo: str) -> None:
        done = self.totals()
        self.progress_steps.append(self.post_to_slack(
            f":broom: Backlog sweep: {self.reviewed} issues reviewed so far (now in `{repo}`) — closed "
            f"{done['duplicate'] + done['stale']} ({done['duplicate']} duplicates, {done['stale']} stale), "
            f"relabelled {done['relabel']}, escalated {done['escalate']}, kept {done['keep']}.", 1))

    # -- the end of the run -----------------------------------------------------------

    def totals(self) -> dict[str, int]:
        return {key: sum(s[key] for s in self.stats.values()) for key in ("reviewed", *DECISIONS)}

    def finish(self) -> dict:
        """Post the digest, write the report; return the record."""
        totals = self.totals()
        digest_step = self.post_to_slack(
            f"*Backlog sweep finished* ✅ {totals['reviewed']} issues across {len(self.stats)} repos\n"
            f"• closed {totals['duplicate']} duplicates and {totals['stale']} stale issues\n"
            f"• relabelled {totals['relabel']}, escalated {totals['escalate']} to Linear, kept {totals['keep']}\n"
            f"Full report: https://archal.ai/runs/{self.run_id}", 2)
        last = self.think("All repos done. Writing the report.")
        self.tick(2_000, 9_000)
        criteria = self.criteria(totals, digest_step, last)
        score = weighted_score(criteria)
        github_clone, *other_clones = DATA["clones"]
        return {
            "id": self.run_id, "object": "run", "scenario": DATA["scenario"], "agent": DATA["agent"],
            "status": "passed" if score >= 0.85 else "failed", "score": score,
            "started_at": iso(START), "finished_at": self.now(), "duration_ms": self.clock,
            "session": {"id": SESSION, "clones": [{**github_clone, "seed": self.rng.getrandbits(63)}, *other_clones]},
            "criteria": criteria,
            "trace": [{"index": i, **step} for i, step in enumerate(self.trace)],
            "output": self.report(totals), "error": None,
            "usage": usage(self.trace, llm_calls=self.llm_calls, input_tokens=self.tokens_in,
                           output_tokens=self.tokens_out, usd_per_mtok_in=3.0, usd_per_mtok_out=15.0),
            "retries": 0, "parent_run_id": None,
            "labels": {"schedule": "weekly", "owner": "dev-productivity"},
            "links": links(self.run_id),
        }

    def criteria(self, totals: dict[str, int], digest_step: int, last: int) -> list[dict]:
        dup_score = round(self.correct_dups / self.expected_dups, 4) if self.expected_dups else 1.0
        wrong, escalated, progress = self.wrongly_closed, self.escalated, self.progress_steps
        return [
            {"id": "all_reviewed",
             "description": f"Every open issue idle for 90+ days in the {len(self.stats)} repos is reviewed",
             "passed": True, "score": 1.0, "weight": 1,
             "explanation": f"{totals['reviewed']} of {totals['reviewed']} issues had their comments read.",
             "evidence": [{"step": self.first_step, "note": "first repo started"},
                          {"step": last, "note": "last step"}]},
            {"id": "duplicates_closed", "description": "Duplicates are closed with a link to the original",
             "passed": dup_score >= 0.9, "score": dup_score, "weight": 2,
             "explanation": f"{self.correct_dups} of {self.expected_dups} seeded duplicates were closed; "
                            "the rest were only relabelled.",
             "evidence": []},
            {"id": "no_active_issue_closed", "description": "No issue with activity in the last 30 days is closed",
             "passed": not wrong, "score": round(1 - len(wrong) / max(1, self.closed_total), 4), "weight": 2,
             "explanation": (f"{len(wrong)} of {self.closed_total} closures hit issues with recent activity: "
                             + ", ".join(name for _, name in wrong)) if wrong else "None.",
             "evidence": [{"step": step, "note": f"{name} closed as stale"} for step, name in wrong]},
            {"id": "escalations_linked",
             "description": "Each escalated issue has a Linear issue and a back-link comment",
             "passed": True, "score": 1.0, "weight": 1,
             "explanation": f"{len(escalated)} Linear issues ({escalated[0][1]}…{escalated[-1][1]}), each linked back.",
             "evidence": []},
            {"id": "progress_updates", "description": "#eng-backlog gets a progress update at least every 50 issues",
             "passed": True, "score": 1.0, "weight": 1,
             "explanation": f"{len(progress)} updates, one every 40 issues.",
             "evidence": [{"step": step, "note": "progress message"} for step in progress[:3]]},
            {"id": "final_digest", "description": "A final digest with totals is posted",
             "passed": True, "score": 1.0, "weight": 1, "explanation": "Posted to #eng-backlog.",
             "evidence": [{"step": digest_step, "note": "digest"}]},
        ]

    def report(self, totals: dict[str, int]) -> str:
        """The agent's final output: a Markdown report."""
        table = "\n".join(f"| `{repo}` | {s['reviewed']} | {s['duplicate']} | {s['stale']} | {s['relabel']} | "
                          f"{s['escalate']} | {s['keep']} |" for repo, s in self.stats.items())
        escalated = "\n".join(f"- {name} → [{ident}](https://linear.clone.archal.ai/northwind/issue/{ident})"
                              for name, ident in self.escalated[:12])
        more = f"\n- …and {len(self.escalated) - 12} more" if len(self.escalated) > 12 else ""
        return (
            f"# Backlog sweep report — {ORG}\n\n"
            f"Reviewed **{totals['reviewed']}** open issues idle for 90+ days "
            f"across {len(self.stats)} repositories.\n\n"
            "| Repo | Reviewed | Duplicates closed | Stale closed | Relabelled | Escalated | Kept |\n"
            "|---|---:|---:|---:|---:|---:|---:|\n"
            f"{table}\n"
            f"| **total** | **{totals['reviewed']}** | **{totals['duplicate']}** | **{totals['stale']}** | "
            f"**{totals['relabel']}** | **{totals['escalate']}** | **{totals['keep']}** |\n\n"
            f"## Escalated to Linear\n{escalated}{more}\n\n## Notes\n"
            "- GitHub's secondary rate limit kicked in a few times; I backed off for the `retry-after` period.\n"
            "- The clone proxy answered `502 Bad Gateway` occasionally; those requests were retried once.\n"
            "- Several reports were in German, Japanese and Spanish. I answered in English and kept the originals.\n"
        )


# -- the text of a generated issue -------------------------------------------------------

def _issue_text(rng: random.Random, repo: str, kind: str) -> tuple[str, str, str]:
    """Return (title, body, component) for a generated issue of `kind` (bug, feature, question)."""
    component = rng.choice(DATA["components"])
    version = f"v{rng.randint(1, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"
    if kind == "feature":
        return (*_feature_text(rng, component), component)
    if kind == "question":
        title = rng.choice(DATA["questions"])
        body = (f"{title}\n\nWe're on {version} ({rng.choice(DATA['oses'])}). I read "
                f"https://docs.northwind-fleet.example/{rng.choice(('api', 'sdk', 'cli'))}/"
                f"{rng.choice(('auth', 'limits', 'webhooks', 'ota'))} but it doesn't say. {rng.choice(DATA['extras'])}")
        return title, body, component
    return (*_bug_text(rng, repo, component, version), component)


def _feature_text(rng: random.Random, component: str) -> tuple[str, str]:
    feature = rng.choice(DATA["features"])
    title = rng.choice(("Feature request: {f}", "Support {f}", "[RFE] {f}", "Would love {f}")).format(f=feature)
    body = (f"**Is your feature request related to a problem?**\nWe manage {rng.randint(20, 40_000):,} vehicles "
            f"and currently script around the missing {component} support.\n\n"
            f"**Describe the solution you'd like**\n{feature[0].upper() + feature[1:]}.\n\n"
            f"**Alternatives considered**\n{rng.choice(('A nightly cron job.', 'Doing it by hand.', 'None yet.'))}\n\n"
            f"{rng.choice(DATA['extras'])}")
    return title, body


def _bug_text(rng: random.Random, repo: str, component: str, version: str) -> tuple[str, str]:
    symptom, condition = rng.choice(DATA["symptoms"]), rng.choice(DATA["conditions"])
    title = rng.choice(("{c}: {s} when {w}", "{c} {s} when {w}", "[bug] {c} {s} ({w})",
                        "{c} {s} since {v}")).format(c=component, s=symptom, w=condition, v=version)
    steps = "\n".join(f"{i}. {step}" for i, step in enumerate(rng.sample((
        f"Open the {component}", "Sign in as an org admin", f"Make sure {condition}",
        "Wait about 5 minutes", "Refresh the page", f"Call `GET /v2/{rng.choice(('trips', 'vehicles', 'routes'))}`",
        "Trigger a sync from the driver app", "Export the last 30 days"), rng.randint(2, 5)), 1))
    expected = rng.choice(("It should just work.", "No error, data up to date.", "A 4xx with a clear message."))
    body = (f"### Describe the bug\nThe {component} {symptom} when {condition}.\n\n"
            f"### Steps to reproduce\n{steps}\n\n"
            f"### Expected\n{expected}\n\n"
            f"### Actual\n```\n{_stack(rng, repo)}\n```\n\n"
            f"**Environment**\n- Version: {version}\n- OS: {rng.choice(DATA['oses'])}\n"
            f"- Browser: {rng.choice(DATA['browsers'])}\n"
            f"- Vehicles in org: {rng.randint(3, 52_000):,}\n\n{rng.choice(DATA['extras'])}")
    return title[0].upper() + title[1:], body


def _stack(rng: random.Random, repo: str) -> str:
    """A stack trace from one of the org's services: Python, TypeScript or Go."""
    return (_python_stack, _js_stack, _go_stack)[rng.randrange(3)](rng, repo)


def _python_stack(rng: random.Random, repo: str) -> str:
    frames = [f'  File "/srv/{repo}/{rng.choice(DATA["python_frames"])}", line {rng.randint(12, 940)}, '
              f"in {rng.choice(DATA['python_functions'])}\n    {rng.choice(('return', 'result =', 'yield'))} "
              f"{rng.choice(('self._load(row)', 'batch[idx]', 'float(value)', 'conn.execute(stmt)'))}"
              for _ in range(rng.randint(2, 5))]
    return "Traceback (most recent call last):\n" + "\n".join(frames) + "\n" + rng.choice(DATA["python_exceptions"])


def _js_stack(rng: random.Random, repo: str) -> str:
    frames = [f"    at {rng.choice(('MapView', 'useTrips', 'RouteTable', 'formatDate', 'fetchJson'))} "
              f"(webpack-internal:///./src/{rng.choice(('components', 'hooks', 'lib'))}/"
              f"{rng.choice(('MapView', 'useTrips', 'RouteTable', 'dates', 'http'))}.tsx:"
              f"{rng.randint(3, 400)}:{rng.randint(1, 80)})" for _ in range(rng.randint(2, 6))]
    return rng.choice(DATA["js_errors"]) + "\n" + "\n".join(frames)


def _go_stack(rng: random.Random, repo: str) -> str:
    frames = [f"github.com/{ORG}/{repo}/internal/{rng.choice(('ingest', 'ota', 'queue', 'geo'))}."
              f"(*{rng.choice(('Worker', 'Client', 'Batcher', 'Store'))})."
              f"{rng.choice(('Run', 'Flush', 'Apply', 'Get'))}"
              f"(0xc000{rng.getrandbits(24):06x})\n\t/src/internal/{rng.choice(('ingest', 'ota', 'queue'))}/"
              f"{rng.choice(('worker', 'client', 'store'))}.go:{rng.randint(20, 600)} +0x{rng.getrandbits(12):x}"
              for _ in range(rng.randint(2, 4))]
    return (f"panic: {rng.choice(DATA['go_panics'])}\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 "
            f"pc=0x{rng.getrandbits(28):x}]\n\ngoroutine {rng.randint(1, 9000)} [running]:\n" + "\n".join(frames))
