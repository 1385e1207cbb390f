from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "meaningful.reports"
    label = "reports"
