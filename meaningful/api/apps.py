from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "meaningful.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
