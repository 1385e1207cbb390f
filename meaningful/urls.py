"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Meaningful administration"
admin.site.site_title = "Meaningful"

urlpatterns = [
    path("", include("meaningful.accounts.urls")),
    path("admin/", admin.site.urls),
]
