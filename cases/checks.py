"""Start-up checks of the cases app."""

from django.core.checks import Warning, register


@register()
def harfbuzz_subsetting_available(app_configs, **kwargs) -> list[Warning]:
    """Without HarfBuzz subsetting WeasyPrint falls back to fontTools: about 10x slower."""
    try:
        import weasyprint.text.ffi as ffi
    except OSError:  # Pango itself is missing: say so instead of a traceback
        return [
            Warning(
                "WeasyPrint cannot load Pango: court documents cannot be generated.",
                hint="Install Pango (Debian: libpango-1.0-0; macOS: brew install pango).",
                id="cases.W002",
            )
        ]
    if ffi.harfbuzz_subset is not None:
        return []
    return [
        Warning(
            "HarfBuzz font subsetting is missing: PDFs will render about ten times slower.",
            hint="Install the system library libharfbuzz-subset0 (Debian) and restart.",
            id="cases.W001",
        )
    ]
