from django.urls import path

from meaningful.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.sign_out, name="logout"),
    path("session/keep/", views.keep_session, name="keep-session"),
    path("health/", views.health, name="health"),
]
