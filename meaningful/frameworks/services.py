"""Loading an organisation's own framework and scale files: permission, validate, write, audit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.apps import apps as django_apps
from django.db.models import Q, QuerySet

from meaningful.accounts.access import can_administer
from meaningful.accounts.models import Organisation, User
from meaningful.audit.services import record_event
from meaningful.errors import NotAllowed, NotFound
from meaningful.frameworks.loading import (
    install_framework,
    install_scales,
    is_framework_file,
    read_definition,
)
from meaningful.frameworks.models import Framework


@dataclass(frozen=True)
class LoadResult:
    """What loading one file did: the framework or scales it held and the outcome."""

    source: str
    kind: str
    name: str
    status: str


def load_definition_file(
    actor: User, path: Path, *, organisation: Organisation | None = None
) -> LoadResult:
    """Validate and install one framework or scales file; raise DefinitionError listing problems."""
    if organisation is None and not actor.is_system:
        raise NotAllowed("Shared frameworks are loaded by the installation's system account.")
    if organisation is not None and not can_administer(actor, organisation):
        raise NotAllowed("Only the organisation's administrators can load its frameworks.")
    data = read_definition(path)
    if is_framework_file(data):
        framework: Framework
        framework, status = install_framework(
            django_apps,
            data,
            source=str(path),
            organisation_id=organisation.pk if organisation else None,
        )
        record_event(
            actor,
            f"framework.{status}",
            framework,
            detail={"slug": framework.slug, "version": framework.version, "file": path.name},
        )
        return LoadResult(str(path), "framework", f"{framework.slug} v{framework.version}", status)
    if organisation is not None:
        raise NotAllowed("Scales are shared by the installation; ask the system administrator.")
    codes = install_scales(django_apps, data, source=str(path))
    record_event(actor, "scales.load", detail={"codes": codes, "file": path.name})
    return LoadResult(str(path), "scales", ", ".join(codes), "loaded")


def usable_frameworks(organisation: Organisation) -> QuerySet[Framework]:
    """Return the framework versions an organisation records against: built-in ones and its own."""
    return Framework.objects.filter(Q(organisation__isnull=True) | Q(organisation=organisation))


def usable_framework(organisation: Organisation, slug: str) -> Framework:
    """Return the newest usable version of a framework by slug; NotFound when there is none."""
    if "\x00" in slug:  # never send a NUL to the database (PostgreSQL refuses it)
        raise NotFound("No such framework.")
    framework = usable_frameworks(organisation).filter(slug=slug).order_by("-loaded_at").first()
    if framework is None:
        raise NotFound(f"No framework {slug!r}.")
    return framework
