"""Small builders for docutils tables and lists, shared by the summary card and aggregate pages."""

from __future__ import annotations

from collections.abc import Sequence

from docutils import nodes


def block(content: str | nodes.Node) -> nodes.Node:
    """Body-level node for a cell or list item: text and inline nodes go in a paragraph."""
    if isinstance(content, str):
        return nodes.paragraph(content, content)
    if isinstance(content, (nodes.Inline, nodes.Text)):
        return nodes.paragraph("", "", content)
    return content


def cell(content: str | nodes.Node) -> nodes.entry:
    entry = nodes.entry()
    entry += block(content)
    return entry


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str | nodes.Node]],
    *,
    caption: str = "",
    classes: Sequence[str] = (),
    footer: Sequence[str | nodes.Node] | None = None,
) -> nodes.table:
    """A table with a header row (repeated on each printed page) and an optional total row."""
    tbl = nodes.table(classes=["sh-table", *classes])
    if caption:
        tbl["ids"].append(
            "table-" + "-".join("".join(c if c.isalnum() else " " for c in caption.lower()).split())
        )
        tbl += nodes.title(caption, caption)
    group = nodes.tgroup(cols=len(headers))
    tbl += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    head_row = nodes.row()
    for header in headers:
        head_row += cell(header)
    head += head_row
    body = nodes.tbody()
    group += body
    for values in [*rows, *([footer] if footer else [])]:
        row = nodes.row()
        for value in values:
            row += cell(value)
        body += row
    return tbl


def bullet_list(items: Sequence[str | nodes.Node], classes: Sequence[str] = ()) -> nodes.bullet_list:
    result = nodes.bullet_list(classes=list(classes))
    for item in items:
        li = nodes.list_item()
        li += block(item)
        result += li
    return result


def field_list(rows: Sequence[tuple[str, nodes.Node | str]], classes: Sequence[str] = ()) -> nodes.field_list:
    fields = nodes.field_list(classes=list(classes))
    for name, value in rows:
        body = nodes.field_body()
        body += block(value)
        fields += nodes.field("", nodes.field_name(name, name), body)
    return fields
