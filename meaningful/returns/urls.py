from django.urls import path

from meaningful.returns import views

urlpatterns = [
    path("", views.returns_page, name="returns"),
    path("download/", views.download, name="return-download"),
]
