from django.urls import path

from volunteers.views import coordinating, joining, mine, opportunities

app_name = "volunteers"

urlpatterns = [
    # A volunteer's own pages
    path("me/", mine.me, name="me"),
    path("me/admissions/", mine.admission_add, name="admission_add"),
    path("admissions/<int:pk>/remove/", mine.admission_remove, name="admission_remove"),
    path("me/pause/", mine.pause, name="pause"),
    path("me/resume/", mine.resume, name="resume"),
    path("me/wellbeing/", mine.wellbeing_page, name="wellbeing"),
    path("<int:pk>/credentials/", mine.credential_add, name="credential_add"),
    path("credentials/<int:pk>/remove/", mine.credential_remove, name="credential_remove"),
    path("credentials/<int:pk>/certificate/", mine.certificate, name="certificate"),
    # Opportunities
    path("opportunities/", opportunities.opportunity_list, name="opportunities"),
    path(
        "opportunities/<int:pk>/interest/",
        opportunities.interest_express,
        name="interest_express",
    ),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity"),
    path(
        "opportunities/<int:pk>/confirm/", opportunities.interest_confirm, name="interest_confirm"
    ),
    path(
        "opportunities/<int:pk>/withdraw/",
        opportunities.interest_withdraw,
        name="interest_withdraw",
    ),
    # Coordinators
    path("", coordinating.volunteer_list, name="list"),
    path("<int:pk>/", coordinating.volunteer_detail, name="detail"),
    path("credentials/<int:pk>/verify/", coordinating.credential_verify, name="credential_verify"),
    path("invitations/", coordinating.invitations, name="invitations"),
    path(
        "invitations/<int:pk>/withdraw/",
        coordinating.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("trainings/", coordinating.trainings, name="trainings"),
    path("matters/<int:pk>/", coordinating.staff, name="staff"),
    path("matters/<int:pk>/assign/", coordinating.assign, name="assign"),
    path("matters/<int:pk>/opportunity/", coordinating.opportunity_post, name="opportunity_post"),
    path("assignments/<int:pk>/end/", coordinating.assignment_end, name="assignment_end"),
    path("opportunities/<int:pk>/close/", coordinating.opportunity_close, name="opportunity_close"),
    path("hours/", coordinating.hours_page, name="hours"),
    path("hours/export.csv", coordinating.hours_export, name="hours_export"),
    # Joining by invitation (before signing in)
    path("join/<str:token>/", joining.join, name="join"),
]
