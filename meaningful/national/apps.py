from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "meaningful.national"
    label = "national"
    verbose_name = "National returns"
