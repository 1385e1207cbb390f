from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "meaningful.web"
    label = "web"
