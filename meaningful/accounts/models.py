"""Organisations, services, teams, staff users and the roles they hold."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Organisation(models.Model):
    """A health and social care partnership, council, charity or provider."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The disclosure policy for published reports (NHS England's method by default).
    disclosure_threshold = models.PositiveSmallIntegerField(
        default=8,
        help_text="Published counts above 0 and below this are hidden (8 hides 1 to 7).",
    )
    disclosure_rounding = models.PositiveSmallIntegerField(
        default=5, help_text="Every other published count is rounded to a multiple of this."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disclosure_threshold__gte=1)
                & models.Q(disclosure_rounding__gte=1),
                name="organisation_disclosure_policy_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ServiceKind(models.TextChoices):
    CARE_AT_HOME = "care-at-home", "Care at home"
    CARERS_SUPPORT = "carers-support", "Carers support"
    MENTAL_HEALTH = "mental-health", "Mental health"
    LEARNING_DISABILITY = "learning-disability", "Learning disability"
    REABLEMENT = "reablement", "Reablement"
    CARE_HOME = "care-home", "Care home"
    OTHER = "other", "Other"


class Service(models.Model):
    """A service an organisation runs, such as care at home or carers support."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, choices=ServiceKind.choices, default=ServiceKind.OTHER)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="service_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team within a service; people are on a team's caseload."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    phone = models.CharField(
        max_length=40,
        blank=True,
        help_text="The number people and carers call about their support; shown on their plan.",
    )
    phone_hours = models.CharField(
        max_length=200,
        blank=True,
        help_text="When that number is answered, for example: Monday to Friday, 9am to 5pm.",
    )

    class Meta:
        ordering = ["service", "name"]
        constraints = [models.UniqueConstraint(fields=["service", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def with_service(self) -> str:
        """'Care at Home / North': how files and forms name a team."""
        return f"{self.service.name} / {self.name}"

    @property
    def organisation(self) -> Organisation:
        return self.service.organisation


class User(AbstractUser):
    """A member of staff, or the installation's system account that command-line tools act as."""

    is_system = models.BooleanField(
        default=False, help_text="The installation's own account for commands and imports."
    )

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    TEAM_LEADER = "team-leader", "Team leader"
    ANALYST = "analyst", "Analyst"
    ORG_ADMIN = "org-admin", "Organisation administrator"
    NATIONAL_ANALYST = "national-analyst", "National analyst"
    AUDITOR = "auditor", "Auditor"


TEAM_ROLES = (Role.PRACTITIONER, Role.TEAM_LEADER)


class Membership(models.Model):
    """A role a user holds: on a team (practitioner, team leader) or across an organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role__in=TEAM_ROLES) & Q(team__isnull=False))
                | (~Q(role__in=TEAM_ROLES) & Q(team__isnull=True)),
                name="membership_team_only_for_team_roles",
            ),
            models.CheckConstraint(
                condition=Q(role="national-analyst") | Q(organisation__isnull=False),
                name="membership_organisation_required",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation", "team", "role"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        where = self.team or self.organisation or "national"
        return f"{self.user} - {self.get_role_display()} ({where})"


class SignInFailure(models.Model):
    """A failed sign-in, kept for a short while to slow down password guessing."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.at:%H:%M}"


class TwoFactorDevice(models.Model):
    """A member of staff's authenticator app: the shared secret behind their six-digit codes.

    The secret is stored sealed with a key derived from the installation's secret key
    (``meaningful.accounts.totp.seal``), so a copy of the database alone does not reveal it.
    A device counts only once confirmed with a code from the app.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor_device")
    sealed_secret = models.CharField(max_length=200)
    confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(
        default=0,
        help_text="The 30-second time step of the last code accepted; no code of it "
        "or of an earlier step is accepted again.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed=True, confirmed_at__isnull=False)
                | Q(confirmed=False, confirmed_at__isnull=True),
                name="two_factor_confirmed_with_time",
            )
        ]

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed else "not confirmed"
        return f"Two-factor for {self.user} ({state})"


class RecoveryCode(models.Model):
    """One of the codes shown once when two-factor is set up, for when the phone is lost.

    Only its SHA-256 is kept; each works once.
    """

    device = models.ForeignKey(
        TwoFactorDevice, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"Recovery code {self.pk} ({'used' if self.used_at else 'unused'})"
