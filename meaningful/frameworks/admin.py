"""Read-only view of frameworks and scales: they change only by loading a new version's file."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from meaningful.accounts.admin import administered_organisations
from meaningful.frameworks.models import Framework, Level, Outcome, Scale


class NoWrites:
    """Admin pages and inlines that show rows but never add, change or delete them."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, *args: Any) -> bool:
        return request.user.is_active and request.user.is_staff


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):  # type: ignore[type-arg]
    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


class OutcomeInline(NoWrites, admin.TabularInline):  # type: ignore[type-arg]
    model = Outcome
    fields = ["position", "code", "name", "category", "outcome_type", "description"]
    extra = 0


class LevelInline(NoWrites, admin.TabularInline):  # type: ignore[type-arg]
    model = Level
    fields = ["rank", "code", "label", "value", "counts_as_met"]
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "version", "population", "organisation"]
    inlines = [OutcomeInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Framework]:
        """The built-in frameworks and the administered organisations' own; another's, never."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            Q(organisation__isnull=True) | Q(organisation__in=administered_organisations(request))
        )


@admin.register(Scale)
class ScaleAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind"]
    inlines = [LevelInline]
