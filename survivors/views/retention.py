from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftercare.access import posted, require_sudo_mode, role_required
from survivors.forms import RetentionPolicyForm
from survivors.services.retention import client_files_due, retention_due
from survivors.services.retention_policy import retention_policy_of, retention_policy_save


@role_required(lambda m: m.role_enum.manages_members)
@require_sudo_mode
def retention_policy(request: HttpRequest) -> HttpResponse:
    """The admin sets the retention period and sees, as a dry run, what it would erase."""
    policy = retention_policy_of(request.membership.organization)
    form = RetentionPolicyForm(posted(request), instance=policy)
    if form.is_valid():
        retention_policy_save(actor=request.actor, **form.cleaned_data)
        messages.success(request, _("Retention policy saved."))
        return redirect("survivors:retention")
    return render(
        request,
        "survivors/retention.html",
        {
            "form": form,
            "due": retention_due(policy).count(),
            "client_files": client_files_due(policy).count(),
            "policy": policy,
        },
    )
