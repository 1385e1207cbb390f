from django.urls import path

from meaningful.accounts import staff_views, two_factor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/code/", two_factor_views.sign_in_code, name="two-factor-code"),
    path("sign-out/", views.sign_out, name="logout"),
    path("session/keep/", views.keep_session, name="keep-session"),
    path("health/", views.health, name="health"),
    path("two-factor/", two_factor_views.settings_page, name="two-factor"),
    path("two-factor/set-up/", two_factor_views.set_up, name="two-factor-set-up"),
    path(
        "two-factor/recovery-codes/",
        two_factor_views.new_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("two-factor/turn-off/", two_factor_views.turn_off_page, name="two-factor-turn-off"),
    path("staff/new/", staff_views.staff_new, name="staff-new"),
    path(
        "staff/<int:user_id>/sign-in-link/",
        staff_views.staff_sign_in_link,
        name="staff-sign-in-link",
    ),
    path(
        "set-password/<str:uidb64>/<str:token>/",
        staff_views.SetPasswordView.as_view(),
        name="set-password",
    ),
    path(
        "staff/<int:user_id>/two-factor/reset/",
        two_factor_views.reset_page,
        name="two-factor-reset",
    ),
]
