from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from aftercare.access import posted, require_sudo_mode, role_required
from aftercare.audit import audit_record_for_request
from survivors.forms import RetentionPolicyForm
from survivors.models import RetentionPolicy
from survivors.services.retention import retention_due


@role_required(lambda m: m.role_enum.manages_members)
@require_sudo_mode
def retention_policy(request: HttpRequest) -> HttpResponse:
    """The admin sets the retention period and sees, as a dry run, what it would erase."""
    policy, _created = RetentionPolicy.objects.get_or_create(
        organization=request.membership.organization
    )
    form = RetentionPolicyForm(posted(request), instance=policy)
    if form.is_valid():
        form.save()
        audit_record_for_request(
            request,
            "survivors.retention.changed",
            target=policy,
            payload={"years": policy.years_after_closure, "enabled": policy.enabled},
        )
        messages.success(request, _("Retention policy saved."))
        return redirect("survivors:retention")
    return render(
        request,
        "survivors/retention.html",
        {"form": form, "due": retention_due(policy).count(), "policy": policy},
    )
