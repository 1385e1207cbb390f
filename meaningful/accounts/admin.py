"""Administration of organisations, teams, staff and roles, limited to the admin's organisation.

People's records are deliberately not in the admin: they are reached only through the
services layer, which applies need-to-know rules and logs every read.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import ForeignKey, Model, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from meaningful.accounts.models import Membership, Organisation, Role, Service, Team, User


def administered_organisations(request: HttpRequest) -> QuerySet[Organisation]:
    """Return the organisations the signed-in user administers (all of them for superusers)."""
    user = request.user
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        memberships__user_id=user.pk or 0, memberships__role=Role.ORG_ADMIN
    ).distinct()


def choices_within(model: type[Model], organisations: QuerySet[Organisation]) -> QuerySet[Any]:
    """Return the rows of ``model`` an org-admin may pick in a form: their organisations' own.

    Staff are those with a role in the organisations, and accounts with no role anywhere yet.
    """
    if model is Organisation:
        return organisations
    if model is Service:
        return Service.objects.filter(organisation__in=organisations)
    if model is Team:
        return Team.objects.filter(service__organisation__in=organisations)
    if model is User:
        return User.objects.filter(
            Q(memberships__organisation__in=organisations) | Q(memberships__isnull=True),
            is_system=False,
        ).distinct()
    raise LookupError(f"No rule for choosing {model.__name__} rows in the admin.")


class OrganisationScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Shows an org-admin only the rows of organisations they administer, and offers no others."""

    organisation_path = "organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            **{f"{self.organisation_path}__in": administered_organisations(request)}
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return administered_organisations(request).exists()

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return administered_organisations(request).exists()

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission

    def formfield_for_foreignkey(
        self,
        db_field: ForeignKey,  # type: ignore[type-arg]
        request: HttpRequest,
        **kwargs: Any,
    ) -> forms.ModelChoiceField | None:  # type: ignore[type-arg]
        if not request.user.is_superuser:
            kwargs["queryset"] = choices_within(
                db_field.related_model,  # type: ignore[arg-type]
                administered_organisations(request),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = "pk"
    list_display = ["name", "slug", "disclosure_threshold", "disclosure_rounding"]
    prepopulated_fields = {"slug": ["name"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


@admin.register(Service)
class ServiceAdmin(OrganisationScopedAdmin):
    list_display = ["name", "kind", "organisation"]
    list_filter = ["kind"]


@admin.register(Team)
class TeamAdmin(OrganisationScopedAdmin):
    organisation_path = "service__organisation"
    list_display = ["name", "service", "phone"]


@admin.register(Membership)
class MembershipAdmin(OrganisationScopedAdmin):
    list_display = ["user", "role", "team", "organisation"]
    list_filter = ["role"]

    def formfield_for_choice_field(
        self,
        db_field: Any,
        request: HttpRequest,
        **kwargs: Any,
    ) -> forms.TypedChoiceField | None:
        if db_field.name == "role" and not request.user.is_superuser:
            # National roles are granted by the installation, not by an organisation.
            kwargs["choices"] = [c for c in Role.choices if c[0] != Role.NATIONAL_ANALYST]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(User)
class StaffAdmin(UserAdmin):  # type: ignore[type-arg]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "is_active",
        "is_system",
        "two_factor",
        "password_link",
    ]
    readonly_fields = ["is_system", "last_login", "date_joined"]

    @admin.display(description="Two-factor sign-in")
    def two_factor(self, user: User) -> str:
        device = getattr(user, "two_factor_device", None)
        if device is None:
            return "Not set up"
        state = "On" if device.confirmed else "Being set up"
        url = reverse("two-factor-reset", args=[user.pk])
        return format_html(
            '{} (<a href="{}">reset<span class="visually-hidden"> for {}</span></a>)',
            state,
            url,
            user.username,
        )

    @admin.display(description="Password")
    def password_link(self, user: User) -> str:
        if user.is_system:
            return ""
        url = reverse("staff-sign-in-link", args=[user.pk])
        return format_html(
            '<a href="{}">new sign-in link<span class="visually-hidden"> for {}</span></a>',
            url,
            user.username,
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request).select_related("two_factor_device")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            memberships__organisation__in=administered_organisations(request)
        ).distinct()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or administered_organisations(request).exists()

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    has_change_permission = has_view_permission

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # An organisation administrator cannot hand out installation-wide powers.
            fields += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return fields
