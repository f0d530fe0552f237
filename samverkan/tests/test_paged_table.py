"""``{% paged_table %}``: the list pages' table frame, written once."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.template import TemplateSyntaxError, engines
from django.test import RequestFactory

from samverkan.tests.common import _english as _english

TEMPLATE = (
    '{% load tables %}{% paged_table labelled_by "rows" %}'
    '<caption id="c">{{ name }}</caption>{% endpaged_table %}'
)


def render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_frame_is_a_named_reachable_region_and_the_page_links_follow() -> None:
    page = Paginator(list(range(60)), 25).page(2)
    html = render(
        TEMPLATE,
        labelled_by="c",
        name="<b>Rosa</b>",
        page=page,
        request=RequestFactory().get("/", {"q": "x"}),
    )
    assert html.startswith(
        '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="c">\n'
        '<table id="rows"><caption id="c">&lt;b&gt;Rosa&lt;/b&gt;</caption></table>\n</div>\n'
    )
    assert 'href="?q=x&amp;page=1">Previous</a>' in html
    assert "Page 2 of 3" in html


def test_one_page_has_no_page_links_and_a_table_without_an_id() -> None:
    html = render(
        '{% load tables %}{% paged_table "c" %}{% endpaged_table %}',
        page=Paginator([1], 25).page(1),
    )
    assert html.strip() == (
        '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="c">\n'
        "<table></table>\n</div>"
    )


def test_a_frame_must_be_named() -> None:
    with pytest.raises(TemplateSyntaxError, match="paged_table takes"):
        render("{% load tables %}{% paged_table %}{% endpaged_table %}")
