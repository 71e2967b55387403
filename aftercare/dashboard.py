"""Dashboard panels: feature apps add theirs, so the core never imports a feature app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict


PanelSource = Callable[[HttpRequest], Panel | None]
_sources: list[PanelSource] = []


def register_panel(source: PanelSource) -> PanelSource:
    """Register a function that returns the acting member's panel, or None for no panel."""
    if source not in _sources:
        _sources.append(source)
    return source


def panels_for(request: HttpRequest) -> list[Panel]:
    return [panel for source in _sources if (panel := source(request)) is not None]
