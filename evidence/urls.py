from django.urls import path

from evidence import views

app_name = "evidence"

urlpatterns = [
    path("survivor/<int:pk>/", views.survivor_evidence, name="survivor"),
    path("survivor/<int:pk>/upload/", views.survivor_evidence_upload, name="survivor_upload"),
    path("matter/<int:pk>/", views.matter_evidence, name="matter"),
    path("matter/<int:pk>/upload/", views.matter_evidence_upload, name="matter_upload"),
    path("<int:pk>/download/", views.evidence_download, name="download"),
    path("<int:pk>/delete/", views.evidence_delete, name="delete"),
]
