"""/runs/<id>/table: any array of objects as a table; columns from the keys most items have."""

from __future__ import annotations

import html5lib
import pytest
from django.urls import reverse

from runs.table import columns_of, table_page
from tests.xss_payloads import MARKUP

pytestmark = pytest.mark.django_db


def table_url(run_id: str) -> str:
    return reverse("runs:table", kwargs={"run_id": run_id})


def test_columns_are_keys_a_fifth_of_the_items_have_in_first_seen_order():
    items = [{"id": i, "name": f"n{i}", "rare": 1} if i == 0 else {"id": i, "name": f"n{i}", "tags": []}
             for i in range(10)]
    assert columns_of(items) == ("id", "name", "tags")
    many = [{f"k{j}": j for j in range(20)}]
    assert columns_of(many) == tuple(f"k{j}" for j in range(12))


def test_cells_show_scalars_and_preview_containers():
    page = table_page([{"a": 1, "b": {"x": 1}}, "not an object"], "/items")
    assert [cell.value if cell.preview is None else cell.preview for cell in page.rows[0].cells] == [1, "x: 1"]
    assert page.rows[0].cells[1].pointer == "/items/0/b"
    assert page.rows[1].cells == (None, None)


def test_table_page_links_every_cell_and_pages_by_a_hundred(client, served):
    items = [{"id": i, "tool": f"t{i}", "args": {"n": i}} for i in range(150)]
    run_id = served("run_table", {"calls": items})
    html = client.get(table_url(run_id), {"pointer": "/calls"}).content.decode()
    document = html5lib.parse(html, namespaceHTMLElements=False)
    rows = document.findall(".//table[@class='data-table']/tbody/tr")
    assert len(rows) == 100
    assert [th.text for th in document.findall(".//table[@class='data-table']/thead/tr/th")] == ["#", "id", "tool", "args"]
    links = [a.get("href") for a in rows[3].findall(".//a")]
    assert links == [f"/runs/{run_id}/#/calls/3", f"/runs/{run_id}/#/calls/3/id", f"/runs/{run_id}/#/calls/3/tool",
                     f"/runs/{run_id}/#/calls/3/args"]
    second = client.get(table_url(run_id), {"pointer": "/calls", "offset": "100", "format": "json"}).json()
    assert (second["total"], second["offset"], len(second["rows"])) == (150, 100, 50)
    assert second["rows"][0]["cells"][2] == {"pointer": "/calls/100/args", "preview": "n: 100"}


def test_positions_name_the_array_too(client, served):
    run_id = served("run_table", {"x": 1, "calls": [{"a": 1}]})
    assert client.get(table_url(run_id), {"at": "1", "format": "json"}).json()["pointer"] == "/calls"


def test_bad_pointers_and_non_arrays_say_so(client, served):
    run_id = served("run_table", {"calls": [{"a": 1}], "n": 1})
    assert client.get(table_url(run_id), {"pointer": "/nope"}).status_code == 404
    assert client.get(table_url(run_id), {"pointer": "/n"}).status_code == 400
    assert client.get(table_url(run_id), {"at": "x.y"}).status_code == 400


def test_hostile_keys_and_values_are_escaped(client, served):
    items = [{payload: payload for payload in MARKUP} for _ in range(3)]
    html = client.get(table_url(served("run_table", {"items": items})), {"pointer": "/items"}).content.decode()
    for payload in MARKUP:
        assert payload not in html


def test_arrays_of_objects_in_the_tree_link_to_their_table(client, served):
    run_id = served("run_table", {"calls": [{"a": 1}, {"a": 2}], "numbers": [1, 2, 3], "mixed": [1, "x", {"a": 1}]})
    html = client.get(reverse("runs:detail", kwargs={"run_id": run_id})).content.decode()
    assert f'<div class="json-children"><a class="json-table-link" href="/runs/{run_id}/table?at=0">Show as a table</a>' in html
    assert html.count("json-table-link") == 1
    followed = client.get(f"/runs/{run_id}/table", {"at": "0", "format": "json"}).json()
    assert (followed["pointer"], followed["columns"]) == ("/calls", ["a"])
