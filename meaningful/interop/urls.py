from django.urls import path

from meaningful.interop import exports, views

urlpatterns = [
    path("imports/", views.upload, name="import-upload"),
    path("exports/records.<str:kind>", exports.records, name="export-records"),
    path("people/<str:person_id>/record.fhir.json", exports.fhir_record, name="person-fhir"),
    path("exports/pseudonymised.<str:kind>", exports.pseudonymised, name="export-pseudonymised"),
]
