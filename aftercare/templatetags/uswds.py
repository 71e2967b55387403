"""Form widgets in the U.S. Web Design System's markup (static/vendor/uswds/).

`{{ field|usa_widget }}` renders a field's widget with USWDS's class for its kind
(usa-input, usa-select, usa-textarea), keeping the widget's own attributes.
`{{ field|usa_choices }}` renders the options of radio buttons or tick boxes as USWDS
wants them: each input followed by its label, not wrapped in it.
"""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


def _class_for(widget: forms.Widget) -> str:
    if isinstance(widget, forms.Textarea):
        return "usa-textarea"
    if isinstance(widget, forms.Select):
        return "usa-select"
    if isinstance(widget, forms.CheckboxInput):
        return "usa-checkbox__input"
    if isinstance(widget, forms.FileInput):
        return "usa-file-input__input"
    return "usa-input"


def _joined(*classes: str) -> str:
    return " ".join(c for c in classes if c)


@register.filter
def usa_widget(field: forms.BoundField) -> SafeString:
    widget = field.field.widget
    if isinstance(widget, forms.MultiWidget):
        return field.as_widget()
    classes = _joined(widget.attrs.get("class", ""), _class_for(widget))
    if field.errors and not isinstance(widget, forms.CheckboxInput | forms.FileInput):
        classes = _joined(classes, f"{_class_for(widget)}--error")
    return field.as_widget(attrs={"class": classes})


def _attributes(attrs: dict) -> SafeString:
    """Attributes in the order given (Django's flatatt sorts them); True alone, False left out."""
    plain = [(name,) for name, value in attrs.items() if value is True]
    pairs = [(n, v) for n, v in attrs.items() if v is not True and v is not False and v is not None]
    return format_html_join("", ' {}="{}"', pairs) + format_html_join("", " {}", plain)


@register.filter
def usa_choices(field: forms.BoundField) -> SafeString:
    """Radio buttons or tick boxes: <div class="usa-radio"><input ...><label ...>."""
    multiple = isinstance(field.field.widget, forms.CheckboxSelectMultiple)  # a RadioSelect too
    kind = "checkbox" if multiple else "radio"
    items = []
    for option in field.subwidgets:
        data = option.data
        # In Django's own order (type, name, value, then the widget's attributes).
        attrs = {"type": data["type"], "name": data["name"]}
        if data["value"] is not None:
            attrs["value"] = str(data["value"])
        attrs.update(data["attrs"])
        attrs["class"] = _joined(attrs.get("class", ""), f"usa-{kind}__input")
        if data["selected"]:
            attrs["checked"] = True
        items.append(
            (
                kind,
                _attributes(attrs),
                kind,
                attrs.get("id", ""),
                data["label"],
            )
        )
    return format_html_join(
        "\n",
        '<div class="usa-{}"><input{}><label class="usa-{}__label" for="{}">{}</label></div>',
        items,
    ) or format_html("")
