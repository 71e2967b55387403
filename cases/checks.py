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


@register()
def document_fonts_installed(app_configs, **kwargs) -> list[Warning]:
    """The Noto files fonts.conf names: without them a name or statement in that script
    cannot be generated (the Generate button refuses it, naming the field)."""
    from cases.documents.glyphs import missing_globs, package_for

    missing = missing_globs()
    if not missing:
        return []
    packages = sorted({package_for(glob) for glob in missing})
    files = ", ".join(glob.rsplit("/", 1)[-1] for glob in missing)
    return [
        Warning(
            f"Fonts for court documents are missing ({files}): text in their scripts "
            "cannot be printed.",
            hint=f"Install the Debian packages {' '.join(packages)} "
            f"(apt-get install {' '.join(packages)}) and restart.",
            id="cases.W003",
        )
    ]


@register()
def ghostscript_installed(app_configs, **kwargs) -> list[Warning]:
    """Ghostscript makes a filing packet PDF/A when it is chosen (cases/packets/pdfa.py):
    without it such a build fails, saying why."""
    from cases.packets.pdfa import available

    if available():
        return []
    return [
        Warning(
            "Ghostscript or its sRGB profile is missing: filing packets cannot be made PDF/A "
            "(a build with PDF/A chosen fails, saying why).",
            hint="Install the Debian package ghostscript (apt-get install ghostscript) and "
            "restart.",
            id="cases.W004",
        )
    ]
