from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "meaningful.demo"
    label = "demo"
    default_auto_field = "django.db.models.BigAutoField"
