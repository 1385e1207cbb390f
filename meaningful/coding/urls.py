from django.urls import path

from meaningful.coding import agreement_views, codebook_views, exchange_views, theme_views, views

urlpatterns = [
    path("", views.home, name="coding"),
    path("codebook/", codebook_views.codebook, name="coding-codebook"),
    path("codebook/new/", codebook_views.code_new, name="coding-code-new"),
    path("codebook/import/", exchange_views.import_file, name="coding-import"),
    path("codebook/export/<str:kind>/", exchange_views.export, name="coding-export"),
    path("codes/<str:code_id>/", codebook_views.code_detail, name="coding-code"),
    path("codes/<str:code_id>/edit/", codebook_views.code_edit, name="coding-code-edit"),
    path("conversations/<str:conversation_id>/", views.narrative, name="coding-narrative"),
    path("conversations/<str:conversation_id>/finished/", views.finished, name="coding-finished"),
    path("passages/<str:segment_id>/", views.segment, name="coding-segment"),
    path("passages/<str:segment_id>/remove/", views.segment_remove, name="coding-segment-remove"),
    path("suggestions/<str:segment_id>/", views.suggestion, name="coding-suggestion"),
    path("co-occurrence/", views.cooccurrence_table, name="coding-cooccurrence"),
    path("themes/", theme_views.themes, name="coding-themes"),
    path("agreement/", agreement_views.agreement, name="coding-agreement"),
]
