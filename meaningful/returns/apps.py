from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "meaningful.returns"
    label = "returns"
