from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoints"),
    path("new/", views.endpoint_add, name="endpoint_add"),
    path("<int:pk>/", views.endpoint_detail, name="endpoint"),
    path("<int:pk>/rotate-secret/", views.endpoint_rotate, name="endpoint_rotate"),
    path("<int:pk>/turn-off/", views.endpoint_disable, name="endpoint_disable"),
    path("<int:pk>/turn-on/", views.endpoint_enable, name="endpoint_enable"),
    path("<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
]
