from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "meaningful.interop"
    label = "interop"
