from django import template

register = template.Library()


@register.simple_tag
def cell_text(table, cell) -> str:
    """A published cell as a reader sees it: its number, or why it is not shown."""
    return table.text(cell)
