from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from aftercare import account_views, platform_views, views
from aftercare.access import organization_not_required, second_factor_not_required
from aftercare.timeouts import session_extend

account_patterns = (
    [
        path("sign-in/", account_views.sign_in, name="login"),
        path("sign-out/", account_views.sign_out, name="logout"),
        path("verify/", account_views.verify, name="verify"),
        path("authenticator/", account_views.setup, name="setup"),
        path("recovery-codes/", account_views.recovery_codes, name="recovery_codes"),
        path(
            "recovery-codes/renew/", account_views.recovery_codes_renew, name="recovery_codes_renew"
        ),
        path("confirm/", account_views.sudo, name="sudo"),
        path("organization/", account_views.choose_organization, name="choose_organization"),
        path("join/<str:token>/", account_views.join, name="join"),
        path(
            "password/",
            organization_not_required(
                auth_views.PasswordChangeView.as_view(
                    template_name="account/password_change.html",
                    success_url="/account/password/done/",
                )
            ),
            name="password_change",
        ),
        path(
            "password/done/",
            organization_not_required(
                auth_views.PasswordChangeDoneView.as_view(
                    template_name="account/password_change_done.html",
                )
            ),
            name="password_change_done",
        ),
        path(
            "reset/",
            auth_views.PasswordResetView.as_view(
                template_name="account/password_reset.html",
                email_template_name="account/password_reset_email.txt",
                subject_template_name="account/password_reset_subject.txt",
                success_url="/account/reset/sent/",
            ),
            name="password_reset",
        ),
        path(
            "reset/sent/",
            auth_views.PasswordResetDoneView.as_view(
                template_name="account/password_reset_sent.html",
            ),
            name="password_reset_done",
        ),
        # Reset never signs the user in: the second factor is still asked at sign-in.
        path(
            "reset/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(
                template_name="account/password_reset_confirm.html",
                success_url="/account/reset/complete/",
                post_reset_login=False,
            ),
            name="password_reset_confirm",
        ),
        path(
            "reset/complete/",
            auth_views.PasswordResetCompleteView.as_view(
                template_name="account/password_reset_complete.html",
            ),
            name="password_reset_complete",
        ),
    ],
    "account",
)

platform_patterns = (
    [
        path("", platform_views.organization_list, name="organizations"),
        path("new/", platform_views.organization_new, name="organization_new"),
        path("<int:pk>/", platform_views.organization_detail, name="organization"),
        path("<int:pk>/edit/", platform_views.organization_edit, name="organization_edit"),
        path(
            "<int:pk>/deactivate/",
            platform_views.organization_deactivate,
            name="organization_deactivate",
        ),
        path(
            "<int:pk>/reactivate/",
            platform_views.organization_reactivate,
            name="organization_reactivate",
        ),
        path("<int:pk>/invite-admin/", platform_views.admin_invite, name="admin_invite"),
        path(
            "invitations/<int:pk>/resend/",
            platform_views.invitation_resend,
            name="invitation_resend",
        ),
        path(
            "invitations/<int:pk>/withdraw/",
            platform_views.invitation_revoke,
            name="invitation_revoke",
        ),
    ],
    "platform",
)

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("account/", include(account_patterns)),
    path("attention/", views.attention, name="attention"),
    path("organization/", views.organization_profile, name="organization"),
    path("organization/edit/", views.organization_edit, name="organization_edit"),
    path("organization/members/", views.member_list, name="member_list"),
    path("organization/members/<int:pk>/", views.member_detail, name="member_detail"),
    path("organization/members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("organization/audit/", views.audit_trail, name="audit_trail"),
    path("organization/invitations/", views.staff_invitations, name="staff_invitations"),
    path(
        "organization/invitations/<int:pk>/resend/",
        views.staff_invitation_resend,
        name="staff_invitation_resend",
    ),
    path(
        "organization/invitations/<int:pk>/withdraw/",
        views.staff_invitation_revoke,
        name="staff_invitation_revoke",
    ),
    path("organization/webhooks/", include("webhooks.urls")),
    path("platform/", include(platform_patterns)),
    path("survivors/", include("survivors.urls")),
    path("matters/", include("cases.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("api.urls")),
    path("organization/api-clients/", include("api.web_urls")),
    path("evidence/", include("evidence.urls")),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("quick-exit/", account_views.quick_exit, name="quick_exit"),
    path(
        "language/",
        second_factor_not_required(organization_not_required(login_not_required(set_language))),
        name="set_language",
    ),
    path("healthz", views.healthz, name="healthz"),
]
# "Stay signed in" in the time-out warning (aftercare/timeouts.py).
urlpatterns.append(path("session/extend/", session_extend, name="session_extend"))

# The server-error page: styled, translated and with Quick exit, without a request context.
handler500 = "aftercare.errors.server_error"
