from django.urls import path

from meaningful.people import views

urlpatterns = [
    path("", views.caseload_list, name="caseload"),
    path("<str:person_id>/", views.person_detail, name="person"),
]
