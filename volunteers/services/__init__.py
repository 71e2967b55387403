"""Volunteer workflows. Each is a keyword-only function that writes its audit event."""
