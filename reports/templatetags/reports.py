"""A report's table rows and chart bars, written here rather than with template loops:
a report holds hundreds of cells, and the template engine's cost per node was a third of
the page's time. Everything a person or the data could have typed is escaped by
`format_html`."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def cell_text(table, cell) -> str:
    """A published cell as a reader sees it: its number, or why it is not shown."""
    return table.text(cell)


@register.simple_tag
def table_rows(table) -> SafeString:
    """The body rows of a published table: a row header, then a cell per column."""
    return format_html_join(
        "\n",
        '<tr{}><th scope="row">{}</th>{}</tr>',
        (
            (
                format_html(' class="{}"', "report-total") if cells and cells[0].total else "",
                label,
                format_html_join(
                    "",
                    '<td class="num{}">{}</td>',
                    (("" if cell.shown else " suppressed", table.text(cell)) for cell in cells),
                ),
            )
            for label, cells in table.rows
        ),
    )


@register.simple_tag
def chart_bars(chart) -> SafeString:
    """One group per bar: its label, its bar (none for a suppressed count), its number."""
    return format_html_join(
        "\n",
        '<g class="bar" data-label="{}" data-text="{}">'
        '<text x="0" y="{}" class="bar__label">{}</text>{}'
        '<text x="{}" y="{}" class="bar__value{}">{}</text></g>',
        (
            (
                bar.label,
                bar.text,
                bar.label_y,
                bar.label,
                ""
                if bar.value is None
                else format_html(
                    '<rect x="0" y="{}" width="{}" height="18" class="bar__rect" '
                    'fill="#2f5d8a"></rect>',
                    bar.bar_y,
                    bar.width,
                ),
                bar.text_x,
                bar.text_y,
                " bar__value--suppressed" if bar.value is None else "",
                bar.text,
            )
            for bar in chart.bars
        ),
    )
