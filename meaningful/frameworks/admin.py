"""Read-only view of frameworks and scales: they change only by loading a new version's file."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from meaningful.frameworks.models import Framework, Level, Outcome, Scale


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_active and request.user.is_staff

    has_module_permission = has_view_permission


class OutcomeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Outcome
    fields = ["position", "code", "name", "category", "outcome_type", "description"]
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class LevelInline(OutcomeInline):
    model = Level  # type: ignore[assignment]
    fields = ["rank", "code", "label", "value", "counts_as_met"]


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "version", "population", "organisation"]
    inlines = [OutcomeInline]


@admin.register(Scale)
class ScaleAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind"]
    inlines = [LevelInline]
