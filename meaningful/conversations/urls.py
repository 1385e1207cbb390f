from django.urls import path

from meaningful.conversations import views

urlpatterns = [
    path("people/<str:person_id>/conversations/new/", views.start, name="conversation-start"),
    path("people/<str:person_id>/conversations/record/", views.record, name="conversation-record"),
    path("conversations/check-record/", views.check_record_text, name="record-check"),
    path("conversations/<str:conversation_id>/", views.detail, name="conversation"),
    path("conversations/<str:conversation_id>/agree/", views.agree, name="conversation-agree"),
    path(
        "conversations/<str:conversation_id>/edit/",
        views.edit_conversation,
        name="conversation-edit",
    ),
    path("conversations/<str:conversation_id>/agreed/", views.agreed, name="conversation-agreed"),
    path(
        "conversations/<str:conversation_id>/records/<int:record_id>/edit/",
        views.edit_record,
        name="record-edit",
    ),
]
