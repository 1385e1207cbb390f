"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

from meaningful.accounts.views import admin_sign_in
from meaningful.api import views as api_views
from meaningful.api.api import api
from meaningful.people import administrator_views, erasure_views

admin.site.site_header = "Meaningful administration"
admin.site.site_title = "Meaningful"

handler400 = "meaningful.web.errors.bad_request"
handler403 = "meaningful.web.errors.forbidden"
handler404 = "meaningful.web.errors.not_found"

urlpatterns = [
    path("", include("meaningful.accounts.urls")),
    path("people/", include("meaningful.people.urls")),
    path("subject-access/", administrator_views.subject_access, name="subject-access"),
    path("break-glass/", administrator_views.break_glass, name="break-glass"),
    path("erasure/", erasure_views.erasure_requests, name="erasure-requests"),
    path("erasure/new/", erasure_views.erasure_request_new, name="erasure-request-new"),
    path("erasure/<int:request_id>/", erasure_views.erasure_request_detail, name="erasure-request"),
    path("reports/", include("meaningful.reports.urls")),
    path("returns/", include("meaningful.returns.urls")),
    path("audit/", include("meaningful.audit.urls")),
    path("national/", include("meaningful.national.urls")),
    path("coding/", include("meaningful.coding.urls")),
    path("search/", include("meaningful.search.urls")),
    path("", include("meaningful.conversations.urls")),
    path("", include("meaningful.plans.urls")),
    path("", include("meaningful.interop.urls")),
    path("api-tokens/", api_views.tokens, name="api-tokens"),
    path("api-tokens/<int:token_id>/revoke/", api_views.revoke, name="api-token-revoke"),
    path("admin/login/", admin_sign_in, name="admin-sign-in"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
