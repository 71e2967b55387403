"""Audit event codes as people read them. Each app keeps the labels of its own codes in
`<app>/audit_labels.py` (a dict named LABELS); this module gathers them. A code without a
label is shown as itself, and a test fails until it has one."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.apps import apps
from django.utils.translation import gettext_lazy as _

LABELS = {
    "aftercare.access.denied": _("Access refused"),
    "aftercare.account.password_accepted": _("Password accepted"),
    "aftercare.account.recovery_codes_issued": _("Recovery codes issued"),
    "aftercare.account.second_factor_enrolled": _("Second factor set up"),
    "aftercare.account.second_factor_failed": _("Wrong second-factor code"),
    "aftercare.account.sign_in_failed": _("Sign-in failed"),
    "aftercare.account.signed_in": _("Signed in"),
    "aftercare.account.signed_out": _("Signed out"),
    "aftercare.account.sudo_failed": _("Password confirmation failed"),
    "aftercare.account.sudo_granted": _("Password confirmed for a sensitive action"),
    "aftercare.account.sudo_locked_out": _("Sensitive actions paused after failed attempts"),
    "aftercare.audit.chain_verified": _("Audit trail checked for tampering"),
    "aftercare.membership.changed": _("Member's role or status changed"),
    "aftercare.notification.read": _("Notification read"),
    "aftercare.notification.read_all": _("All notifications read"),
    "aftercare.organization.acting_as": _("Switched organization"),
    "aftercare.organization.changed": _("Organization changed"),
    "aftercare.organization.created": _("Organization created"),
    "aftercare.organization.deactivated": _("Organization deactivated"),
    "aftercare.organization.reactivated": _("Organization reactivated"),
    "aftercare.organization.settings_changed": _("Organization settings changed"),
    "aftercare.platform.admin_granted": _("Platform administrator added"),
    "aftercare.platform.admin_revoked": _("Platform administrator removed"),
    "aftercare.staff_invitation.accepted": _("Staff invitation accepted"),
    "aftercare.staff_invitation.resent": _("Staff invitation sent again"),
    "aftercare.staff_invitation.sent": _("Staff invitation sent"),
    "aftercare.staff_invitation.withdrawn": _("Staff invitation withdrawn"),
}


@cache
def _all_labels() -> dict[str, str]:
    gathered = dict(LABELS)
    for config in apps.get_app_configs():
        if config.name == "aftercare":
            continue
        try:
            module = import_module(f"{config.name}.audit_labels")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.audit_labels":
                raise
            continue
        gathered.update(module.LABELS)
    return gathered


def audit_label(code: str) -> str:
    """The label of an audit code in the active language, or the code itself."""
    return str(_all_labels().get(code, code))


def audit_codes_labelled() -> frozenset[str]:
    return frozenset(_all_labels())
