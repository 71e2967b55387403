from django.urls import path

from api import web_views

app_name = "api_clients"

urlpatterns = [
    path("", web_views.client_list, name="list"),
    path("<int:pk>/revoke/", web_views.client_revoke, name="revoke"),
]
