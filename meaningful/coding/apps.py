from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "meaningful.coding"
    label = "coding"
    default_auto_field = "django.db.models.BigAutoField"
