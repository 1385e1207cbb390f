from django.urls import path

from meaningful.interop import views

urlpatterns = [
    path("imports/", views.upload, name="import-upload"),
]
