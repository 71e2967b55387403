"""/api/v1/: keys, not sessions (see api/middleware.py), so no view here asks for sign-in."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from api import docs, views

app_name = "api"


def _open(view_class):
    """A DRF view outside the session gates: the key authenticates it, or nothing does."""
    return login_not_required(view_class.as_view())


urlpatterns = [
    path("referrals/", _open(views.ReferralList), name="referrals"),
    path("referrals/events/", _open(views.ReferralEvents), name="referral_events"),
    path("referrals/<int:pk>/", _open(views.ReferralDetail), name="referral"),
    path("referrals/<int:pk>/withdraw/", _open(views.ReferralWithdraw), name="referral_withdraw"),
    path("notifications/", _open(views.NotificationList), name="notifications"),
    path("survivors/", _open(views.SurvivorList), name="survivors"),
    path("survivors/<int:pk>/", _open(views.SurvivorDetail), name="survivor"),
    path("matters/", _open(views.MatterList), name="matters"),
    path("matters/<int:pk>/", _open(views.MatterDetail), name="matter"),
    path("matters/<int:pk>/deadlines/", _open(views.MatterDeadlineList), name="matter_deadlines"),
    path("deadlines/", _open(views.DeadlineList), name="deadlines"),
    path("documents/", _open(views.DocumentList), name="documents"),
    path("documents/<int:pk>/download/", _open(views.DocumentDownload), name="document_download"),
    path("schema/", login_not_required(docs.SchemaView.as_view()), name="schema"),
    path("docs/", login_not_required(docs.docs_page), name="docs"),
]
