"""Recording a person's consent, and its withdrawal, from their page; the history stays."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from meaningful.accounts.views import signed_in_user
from meaningful.errors import InvalidInput, NotFound
from meaningful.people.models import ConsentMethod, ConsentPurpose
from meaningful.people.services import read_person, record_consent, withdraw_consent
from meaningful.web.fields import DatePartsField, TextField
from meaningful.web.form_errors import error_list


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What does the person agree to?",
        choices=ConsentPurpose.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the person agrees to."},
    )
    agency = TextField(
        label="The agency's name",
        required=False,
        max_length=200,
        help_text="Only when they agree to share with a named agency, for example a carers centre.",
    )
    given_on = DatePartsField(
        label="The date they agreed",
        past_only=True,
        error_messages={"required": "Enter the date the person agreed."},
    )
    how_given = forms.ChoiceField(
        label="How did they agree?",
        choices=[c for c in ConsentMethod.choices if c[0] != ConsentMethod.NOT_RECORDED],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the person agreed."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("purpose") == ConsentPurpose.SHARE_WITH_AGENCY
            and not data.get("agency", "").strip()
        ):
            self.add_error("agency", "Name the agency the person agrees to share with.")
        return data


class WithdrawForm(forms.Form):
    withdrawn_on = DatePartsField(
        label="The date they withdrew it",
        past_only=True,
        error_messages={"required": "Enter the date the person withdrew their consent."},
    )


def _add_errors(form: forms.Form, error: InvalidInput) -> None:
    for name, message in error.errors.items():
        form.add_error(name if name in form.fields else None, message)


def _back_to_person(person_id: object) -> HttpResponse:
    return redirect(reverse("person", args=[person_id]) + "#consent")


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    form = context["form"]
    errors = error_list([form]) if form.is_bound else []
    return render(request, template, context | {"errors": errors}, status=400 if errors else 200)


@login_required
def consent_record(request: HttpRequest, person_id: str) -> HttpResponse:
    user = signed_in_user(request)
    person = read_person(user, person_id, purpose="record consent")
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = record_consent(
                user,
                person,
                data["purpose"],
                given_on=data["given_on"],
                agency=data["agency"],
                how_given=data["how_given"],
            )
        except InvalidInput as error:
            _add_errors(form, error)
        else:
            what = consent.get_purpose_display().lower()
            if consent.agency:
                what = f"share with {consent.agency}"
            messages.success(request, f"Consent to {what} is recorded.")
            return _back_to_person(person.pk)
    return _page(request, "people/consent_record.html", {"person": person, "form": form})


@login_required
def consent_withdraw(request: HttpRequest, person_id: str, consent_id: int) -> HttpResponse:
    user = signed_in_user(request)
    person = read_person(user, person_id, purpose="withdraw consent")
    consent = person.consents.filter(pk=consent_id).first()
    if consent is None:
        raise NotFound("No such consent for this person.")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_consent(user, consent, withdrawn_on=form.cleaned_data["withdrawn_on"])
        except InvalidInput as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                "The withdrawal is recorded. Nothing produced from now on uses what it allowed.",
            )
            return _back_to_person(person.pk)
    return _page(
        request,
        "people/consent_withdraw.html",
        {"person": person, "consent": consent, "form": form},
    )
