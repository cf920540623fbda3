"""Script-injection payloads an agent's trace might carry, for keys, values and IDs."""

MARKUP = [
    "<script>alert('xss-script')</script>",
    "<img src=x onerror=alert('xss-img')>",
    "<svg onload=alert('xss-svg')>",
    "\"><img src=x onerror=alert('xss-attr')>",
    "'><script>alert('xss-quote')</script>",
    "</span></div></details><script>alert('xss-close')</script>",
    "<details open ontoggle=alert('xss-toggle')>",
    "<iframe src=\"javascript:alert('xss-iframe')\"></iframe>",
    "<a href=\"javascript:alert('xss-a')\">click me</a>",
    "<style>body{display:none}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-mxss')>",
    "{{7*7}} ${alert('xss-template')}",
]
URL_LIKE = [
    "javascript:alert('xss-js')",
    "JaVaScRiPt:alert('xss-js-case')",
    "data:text/html,<script>alert('xss-data')</script>",
    "https://example.com/\"><script>alert('xss-url')</script>",
    "https://example.com/\" onmouseover=\"alert('xss-url-attr')",
    "vbscript:msgbox('xss')",
]
# No spaces, slashes or controls: these get through run-ID validation.
RUN_IDS = [
    "\"onmouseover=\"alert('xss-id')",
    "'-alert('xss-id2')-'",
    "<script>alert('xss-id3')<",
    "javascript:alert('xss-id4')",
]


def hostile_record() -> dict:
    record: dict = {"id": "run_xss"}
    for number, payload in enumerate(MARKUP):
        record[payload] = payload
        record[f"nested_{number}"] = {payload: [payload, {"deeper": payload}]}
    record["urls"] = {payload: payload for payload in URL_LIKE}
    return record
