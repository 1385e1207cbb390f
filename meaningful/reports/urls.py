from django.urls import path

from meaningful.reports import views

urlpatterns = [
    path("", views.dashboard, name="reports"),
    path("report.<str:kind>", views.download, name="report-download"),
]
