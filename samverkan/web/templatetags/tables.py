"""``{% paged_table %}``: a list page's table, in one place.

Every list page shows its rows the same way: a table in a scrollable region that keyboard
and screen-reader users can reach (``role="region"``, ``tabindex="0"``, named by the
table's caption), followed by the page links. The tag writes that frame; the page writes
the table's inside::

    {% load tables %}
    {% paged_table "venues-caption" %}
      <caption id="venues-caption">…</caption>
      <thead>…</thead>
      <tbody>{% for v in page %}…{% endfor %}</tbody>
    {% endpaged_table %}

A second argument gives the table an id (``{% paged_table "x-caption" "x-table" %}``).
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.template.engine import Engine
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


class PagedTableNode(template.Node):
    def __init__(
        self, nodelist: NodeList, labelled_by: FilterExpression, table_id: FilterExpression | None
    ) -> None:
        self.nodelist = nodelist
        self.labelled_by = labelled_by
        self.table_id = table_id

    def render(self, context: Context) -> SafeString:
        inside = self.nodelist.render(context)  # safe: rendered (and escaped) by the page
        engine = context.template.engine if context.template is not None else Engine.get_default()
        pages = engine.get_template("_pagination.html").render(context)
        table_id = self.table_id.resolve(context) if self.table_id is not None else ""
        return format_html(
            '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{}">\n'
            "<table{}>{}</table>\n</div>\n{}",
            self.labelled_by.resolve(context),
            format_html(' id="{}"', table_id) if table_id else "",
            inside,
            pages,
        )


@register.tag
def paged_table(parser: Parser, token: Token) -> PagedTableNode:
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError(
            "paged_table takes the id of what names the table, and optionally the table's id"
        )
    nodelist = parser.parse(("endpaged_table",))
    parser.delete_first_token()
    table_id = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    return PagedTableNode(nodelist, parser.compile_filter(bits[1]), table_id)
