"""Scopes: what a key may do, checked before any object is read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions


class HasScope(permissions.BasePermission):
    """The view names the scope each method needs (`required_scopes`); the key must hold it.

    A view that names none is refused: forgetting to name a scope must not open a door.
    """

    def has_permission(self, request, view) -> bool:
        client = request.auth
        if client is None:
            return False
        needed = getattr(view, "required_scopes", {}).get(request.method)
        if needed is None and request.method in ("HEAD", "OPTIONS"):
            needed = view.required_scopes.get("GET")
        if needed is None:
            return False
        if needed not in client.scopes:
            self.message = _("This key may not do that: it lacks the scope %(scope)s.") % {
                "scope": needed
            }
            return False
        return True
