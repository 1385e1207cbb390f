from django.urls import path

from meaningful.audit import views

urlpatterns = [
    path("", views.audit_log, name="audit-log"),
    path("events.<str:kind>", views.audit_export, name="audit-export"),
]
