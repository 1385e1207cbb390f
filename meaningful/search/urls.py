from django.urls import path

from meaningful.search import views

urlpatterns = [path("", views.search, name="search")]
