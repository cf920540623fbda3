"""Markdown in a record: offered as "Rendered" in the tree, rendered safely at /markdown."""

from __future__ import annotations

import html5lib
import pytest
from django.urls import reverse

from runs.markdown import MARKDOWN_CHARS, looks_like_markdown, render_markdown
from tests.xss_payloads import MARKUP, URL_LIKE

pytestmark = pytest.mark.django_db

REPORT = "### Refund processed\n\n- **Customer:** Søren\n- [Dashboard](https://dashboard.stripe.com/x)\n\n`re_123`"


def markdown_url(run_id: str) -> str:
    return reverse("runs:markdown", kwargs={"run_id": run_id})


def test_markdown_is_recognised_by_its_signs():
    assert looks_like_markdown(REPORT)
    assert not looks_like_markdown("a plain sentence that goes on for a while\nand one more line of it")
    assert not looks_like_markdown("# short\n- x")


def test_raw_html_is_text_and_only_http_links_are_links():
    hostile = "\n\n".join(MARKUP + [f"[click]({url})" for url in URL_LIKE] + ["![img](https://tracker.example/x.png)"])
    html, cut = render_markdown("# Title\n\n" + hostile)
    assert not cut
    document = html5lib.parse(html, namespaceHTMLElements=False)
    tags = {element.tag for element in document.iter()}
    assert not tags & {"script", "img", "iframe", "svg", "style", "details", "math"}
    hrefs = [a.get("href") for a in document.iter("a")]
    assert all(href.startswith(("http://", "https://")) for href in hrefs)
    assert all(a.get("rel") == "noopener noreferrer nofollow" for a in document.iter("a"))


def test_a_huge_string_is_rendered_in_part():
    html, cut = render_markdown("# x\n\n" + "word " * MARKDOWN_CHARS)
    assert cut and len(html) < MARKDOWN_CHARS * 2


def test_the_tree_offers_markdown_and_the_page_renders_it(client, served):
    run_id = served("run_md", {"output": REPORT, "plain": "x" * 100})
    page = client.get(reverse("runs:detail", kwargs={"run_id": run_id})).content.decode()
    assert f'<a class="json-markdown" href="/runs/{run_id}/markdown?at=0">Rendered</a>' in page
    assert page.count("json-markdown") == 1
    fragment = client.get(markdown_url(run_id), {"at": "0", "fragment": "1"}).content.decode()
    assert "<h2>Refund processed</h2>" in fragment and "<strong>Customer:</strong>" in fragment
    whole = client.get(markdown_url(run_id), {"pointer": "/output"})
    assert whole.status_code == 200 and b"<h2>Refund processed</h2>" in whole.content and b"breadcrumbs" in whole.content


def test_headings_start_under_the_pages_own_and_keep_their_order():
    html, _cut = render_markdown("### Three\n\n#### Four\n\n###### Six\n\n### Three again")
    assert html.split() == "<h2>Three</h2> <h3>Four</h3> <h4>Six</h4> <h2>Three again</h2>".split()


def test_not_a_string_or_not_there_says_so(client, served):
    run_id = served("run_md", {"output": REPORT, "n": 1})
    client.get(reverse("runs:detail", kwargs={"run_id": run_id}))
    assert client.get(markdown_url(run_id), {"pointer": "/n"}).status_code == 400
    assert client.get(markdown_url(run_id), {"pointer": "/nope"}).status_code == 404


def test_tables_and_strikethrough_render():
    html, _cut = render_markdown("| a | b |\n|---|---|\n| 1 | ~~2~~ |\n")
    assert "<table>" in html and "<s>2</s>" in html
