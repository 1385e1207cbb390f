"""The reports dashboard: choose a scope, period and filters; drill down; download any format."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from meaningful.accounts.access import reportable_teams
from meaningful.accounts.models import Team, User
from meaningful.accounts.views import signed_in_user
from meaningful.errors import NotFound
from meaningful.frameworks.models import Framework
from meaningful.interop.tabular.export import AGE_BANDS
from meaningful.people.models import ClientGroup, Sex
from meaningful.reports.builder import ReportRequest, build_report
from meaningful.reports.charts import charts_for
from meaningful.reports.model import Filters, Report
from meaningful.reports.render import CONTENT_TYPES
from meaningful.reports.render import render as render_report
from meaningful.web.fields import PeriodField, choice_field
from meaningful.web.form_errors import error_list

ANY = [("", "Any")]


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label="Figures for")
    period = PeriodField()
    audience = forms.ChoiceField(
        label="Audience",
        choices=[
            ("internal", "Internal: staff who may see these teams (small numbers shown)"),
            (
                "publication",
                "Publication: boards and the public (counts of 1 to 7 hidden, others rounded to the nearest 5)",
            ),
        ],
        required=False,
    )
    framework = forms.ChoiceField(label="Framework", required=False)
    population = forms.ChoiceField(
        label="Who",
        required=False,
        choices=[
            *ANY,
            ("people-using-services", "People using services"),
            ("carers", "Unpaid carers"),
        ],
    )
    client_group = forms.ChoiceField(
        label="Client group", required=False, choices=[*ANY, *ClientGroup.choices]
    )
    age_band = forms.ChoiceField(
        label="Age band",
        required=False,
        choices=[
            *ANY,
            *[(f"{a}-{b}", f"{a} to {b}") for a, b in AGE_BANDS],
            ("85+", "85 and over"),
        ],
    )
    sex = forms.ChoiceField(label="Sex", required=False, choices=[*ANY, *Sex.choices])

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = []
        organisations = {team.service.organisation for team in teams}
        services = {team.service for team in teams}
        for organisation in sorted(organisations, key=lambda o: o.name):
            if {t.pk for t in teams} >= set(
                Team.objects.filter(service__organisation=organisation).values_list("pk", flat=True)
            ):
                choices.append((f"org-{organisation.pk}", f"{organisation.name} (organisation)"))
        for service in sorted(services, key=lambda s: s.name):
            if {t.pk for t in teams} >= set(service.teams.values_list("pk", flat=True)):
                choices.append((f"service-{service.pk}", f"{service.name} (service)"))
        for team in sorted(teams, key=lambda t: t.name):
            choices.append((f"team-{team.pk}", f"{team.name} (team)"))
        choice_field(self, "scope").choices = choices
        usable = Framework.objects.filter(
            Q(organisation__isnull=True) | Q(organisation__in=organisations)
        )
        choice_field(self, "framework").choices = [
            *ANY,
            *sorted({(f.slug, f.name) for f in usable}, key=lambda c: c[1]),
        ]

    def request(self) -> ReportRequest:
        kind, _, scope_id = self.cleaned_data["scope"].partition("-")
        data = self.cleaned_data
        return ReportRequest(
            scope=kind,
            scope_id=int(scope_id),
            period=data["period"],
            filters=Filters(
                client_group=data["client_group"],
                age_band=data["age_band"],
                sex=data["sex"],
                population=data["population"],
                framework=data["framework"],
            ),
            audience=data["audience"] or "internal",
        )


def _teams(user: User) -> list[Team]:
    teams = list(reportable_teams(user).select_related("service__organisation"))
    if not teams:
        raise PermissionDenied(
            "Reports are for staff who work with a team's or an organisation's figures."
        )
    return teams


def _form(request: HttpRequest, teams: list[Team]) -> ReportForm:
    data = request.GET.copy()
    if "scope" not in data:
        first = ReportForm(teams=teams)
        data["scope"] = choice_field(first, "scope").choices[0][0]  # type: ignore[index]
    return ReportForm(data, teams=teams)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    teams = _teams(user)
    form = _form(request, teams)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        try:
            report = build_report(user, form.request())
        except NotFound as error:
            raise Http404(str(error)) from error
        query = request.GET.copy()
        query["scope"] = form.cleaned_data["scope"]
        context.update(
            report=report,
            sections=charts_for(report),
            query=query.urlencode(),
            drill=_drill_links(report, {key: str(value) for key, value in query.items()}),
        )
    context["errors"] = error_list([form])
    return render(
        request, "reports/dashboard.html", context, status=400 if context["errors"] else 200
    )


def _drill_links(report: Report, query: dict[str, str]) -> list[tuple[str, str]]:
    """Links one level down: from an organisation to its services, from a service to its teams."""
    links = []
    if report.scope.kind == "org":
        from meaningful.accounts.models import Service

        for service in Service.objects.filter(organisation_id=report.scope.id).order_by("name"):
            links.append((service.name, urlencode({**query, "scope": f"service-{service.pk}"})))
    elif report.scope.kind == "service":
        for team in Team.objects.filter(service_id=report.scope.id).order_by("name"):
            links.append((team.name, urlencode({**query, "scope": f"team-{team.pk}"})))
    return links


@login_required
def download(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in CONTENT_TYPES:
        raise Http404("Choose json, csv, xlsx or html.")
    user = signed_in_user(request)
    form = _form(request, _teams(user))
    if not form.is_valid():
        raise Http404("Choose the report on the reports page first.")
    try:
        report = build_report(user, form.request())
    except NotFound as error:
        raise Http404(str(error)) from error
    response = HttpResponse(render_report(report, kind), content_type=CONTENT_TYPES[kind])
    name = f"outcomes-{report.scope.kind}-{report.scope.id}-{report.period_label}-{report.audience}"
    response["Content-Disposition"] = f'attachment; filename="{name.replace("..", "-to-")}.{kind}"'
    response["Cache-Control"] = "no-store"
    return response
