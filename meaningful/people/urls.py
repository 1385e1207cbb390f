from django.urls import path

from meaningful.people import consent_views, views

urlpatterns = [
    path("", views.caseload_list, name="caseload"),
    path("<str:person_id>/", views.person_detail, name="person"),
    path("<str:person_id>/consents/new/", consent_views.consent_record, name="consent-record"),
    path(
        "<str:person_id>/consents/<int:consent_id>/withdraw/",
        consent_views.consent_withdraw,
        name="consent-withdraw",
    ),
]
