from django.urls import path

from cases.views import conflicts, deadlines, documents, edit, matters, notices, settings, tasks

app_name = "cases"

urlpatterns = [
    path("", matters.matter_list, name="list"),
    path("<int:pk>/", matters.matter_detail, name="detail"),
    path("<int:pk>/notes/", matters.note_add_view, name="note_add"),
    path("<int:pk>/hours/", matters.time_add_view, name="time_add"),
    path("<int:pk>/parties/", matters.party_add_view, name="party_add"),
    path("<int:pk>/stage/", matters.stage_move_view, name="stage"),
    path("<int:pk>/close/", matters.close_view, name="close"),
    path("<int:pk>/team/", matters.team_view, name="team"),
    path("<int:pk>/deadlines/", deadlines.deadline_new, name="deadline_new"),
    path("deadlines/<int:pk>/confirm/", deadlines.deadline_confirm_view, name="deadline_confirm"),
    path("deadlines/<int:pk>/status/", deadlines.deadline_status_view, name="deadline_status"),
    path("<int:pk>/notices/", notices.notice_add, name="notice_add"),
    path("<int:pk>/documents/", documents.document_list, name="documents"),
    path("documents/<int:pk>/", documents.document_draft, name="document_draft"),
    path("documents/<int:pk>/preview/", documents.document_preview, name="document_preview"),
    path("documents/<int:pk>/status/", documents.document_status, name="document_status"),
    path("documents/<int:pk>/retry/", documents.document_retry, name="document_retry"),
    path(
        "documents/versions/<int:pk>/download/",
        documents.document_download_view,
        name="document_download",
    ),
    path("calendar/", deadlines.month_calendar, name="calendar"),
    path("calendar/feed/", deadlines.calendar_feed_manage, name="feed_manage"),
    path("calendar/feed/<str:token>.ics", deadlines.calendar_feed, name="feed"),
    path("conflicts/", conflicts.conflict_queue, name="conflicts"),
    path("conflicts/new/<int:survivor_pk>/", conflicts.conflict_new, name="conflict_new"),
    path("conflicts/<int:pk>/", conflicts.conflict_detail, name="conflict"),
    path("rules/", settings.rule_list, name="rules"),
    path("<int:pk>/edit/", edit.matter_edit_view, name="matter_edit"),
    path("<int:pk>/history/", edit.matter_history, name="matter_history"),
    path("deadlines/<int:pk>/edit/", edit.deadline_edit_view, name="deadline_edit"),
    path("deadlines/<int:pk>/history/", edit.deadline_history, name="deadline_history"),
    path("parties/<int:pk>/edit/", edit.party_edit_view, name="party_edit"),
    path("hours/<int:pk>/edit/", edit.time_entry_edit_view, name="time_entry_edit"),
    path("rules/<int:pk>/", settings.rule_edit, name="rule_edit"),
    path("courts/", settings.jurisdiction_list, name="jurisdictions"),
    path("reminders/", settings.reminder_policy, name="reminder_policy"),
    path("<int:pk>/tasks/", tasks.task_add, name="task_add"),
    path("tasks/<int:pk>/", tasks.task_change, name="task_change"),
]
