from django.urls import path

from meaningful.plans import views

urlpatterns = [
    path("people/<str:person_id>/plan/", views.plan_detail, name="plan"),
    path("people/<str:person_id>/my-plan/", views.my_plan, name="my-plan"),
    path("people/<str:person_id>/my-plan.pdf", views.my_plan_download, name="my-plan-pdf"),
    path("plans/actions/<int:action_id>/status/", views.action_status, name="action-status"),
    path("plans/actions/<int:action_id>/edit/", views.action_edit, name="action-edit"),
]
