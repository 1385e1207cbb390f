from django.urls import path

from meaningful.national import views

urlpatterns = [
    path("", views.returns_page, name="national"),
    path("returns/<int:return_id>/withdraw/", views.withdraw, name="national-withdraw"),
    path("<str:period>/", views.report_page, name="national-report"),
    path("<str:period>/report.<str:kind>", views.report_download, name="national-download"),
]
