from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_page, name="page"),
    path("export.csv", views.report_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.report_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("funder-report.pdf", views.report_export, {"fmt": "pdf"}, name="export_pdf"),
]
