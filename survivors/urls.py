from django.urls import path

from survivors.views import (
    communications,
    edit,
    engagement,
    intake,
    merge,
    records,
    retention,
    sharing,
)

app_name = "survivors"

urlpatterns = [
    path("", records.survivor_list, name="list"),
    path("<int:pk>/", records.survivor_detail, name="detail"),
    path("<int:pk>/location/", records.survivor_reveal_location, name="reveal_location"),
    path("<int:pk>/legal-hold/", records.survivor_legal_hold, name="legal_hold"),
    path("<int:pk>/close/", records.survivor_close_view, name="close"),
    path("<int:pk>/erase/", records.survivor_erase_view, name="erase"),
    path("intake/", intake.intake_start, name="intake"),
    path("<int:pk>/intake/<int:step>/", intake.intake_step, name="intake_step"),
    path("<int:pk>/intake/review/", intake.intake_review, name="intake_review"),
    path("<int:pk>/intake/finish/", intake.intake_finish, name="intake_finish"),
    path("<int:pk>/engagement/", engagement.engagement_new, name="engagement"),
    path("engagements/<int:pk>/end/", engagement.engagement_end_view, name="engagement_end"),
    path(
        "engagements/<int:pk>/legal-hold/",
        engagement.engagement_hold_view,
        name="engagement_legal_hold",
    ),
    path("engagements/<int:pk>/erase/", engagement.engagement_erase_view, name="engagement_erase"),
    path("<int:pk>/consents/", sharing.consent_list, name="consents"),
    path("consents/<int:pk>/revoke/", sharing.consent_revoke_view, name="consent_revoke"),
    path("<int:pk>/share-record/", sharing.share_record, name="share_record"),
    path("<int:pk>/refer/", sharing.referral_new, name="refer"),
    path("<int:pk>/services/", sharing.services_view, name="services"),
    path("goals/<int:pk>/status/", sharing.goal_status, name="goal_status"),
    path("referrals/", sharing.referral_list, name="referrals"),
    path("referrals/<int:pk>/", sharing.referral_detail, name="referral"),
    path("retention/", retention.retention_policy, name="retention"),
    path("<int:pk>/merge/", merge.survivor_merge_choose, name="merge"),
    path("<int:pk>/merge/<int:other>/", merge.survivor_merge_compare, name="merge_compare"),
    path("<int:pk>/communications/", communications.communications, name="communications"),
    path("<int:pk>/correct/", edit.survivor_record_edit, name="record_edit"),
    path("<int:pk>/history/", edit.survivor_history, name="history"),
]
