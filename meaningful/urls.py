"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

from meaningful.api.api import api
from meaningful.people import administrator_views

admin.site.site_header = "Meaningful administration"
admin.site.site_title = "Meaningful"

urlpatterns = [
    path("", include("meaningful.accounts.urls")),
    path("people/", include("meaningful.people.urls")),
    path("subject-access/", administrator_views.subject_access, name="subject-access"),
    path("break-glass/", administrator_views.break_glass, name="break-glass"),
    path("reports/", include("meaningful.reports.urls")),
    path("audit/", include("meaningful.audit.urls")),
    path("national/", include("meaningful.national.urls")),
    path("", include("meaningful.conversations.urls")),
    path("", include("meaningful.plans.urls")),
    path("", include("meaningful.interop.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
