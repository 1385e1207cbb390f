from django.urls import path

from meaningful.interop import exports, views

urlpatterns = [
    path("imports/", views.upload, name="import-upload"),
    path("exports/records.<str:kind>", exports.records, name="export-records"),
    path("exports/pseudonymised.<str:kind>", exports.pseudonymised, name="export-pseudonymised"),
]
