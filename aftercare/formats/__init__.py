"""Our overrides of Django's locale formats (settings.FORMAT_MODULE_PATH).

A date or time picker (<input type="date">, <input type="time">) reads and sends its
value in ISO form whatever the page's language: Django writes a prefilled value in the
first input format of the language, so that format is ISO in every language. A date
typed by hand in the language's own order (31/12/2026 in Spanish) is still accepted.
"""
