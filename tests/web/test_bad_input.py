"""Bad input in every form: random text, NUL characters, very long text, non-ASCII digits,
spreadsheet formulas and half surrogate pairs get a form error or are stored whole, never a 500.

FORMS lists every form class in the service with how to build it and which page uses it; a
test checks the list against the form classes found in the code, so a new form cannot be left
out.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import meaningful
from meaningful.accounts.models import Role, User
from meaningful.accounts.services import create_staff_user, grant_role
from meaningful.accounts.staff_views import NewStaffForm
from meaningful.accounts.two_factor_views import CodeForm, ResetForm, SetUpForm
from meaningful.accounts.views import SignInForm
from meaningful.audit.models import Revision
from meaningful.audit.views import FilterForm
from meaningful.coding.codebook_services import ensure_outcome_codes
from meaningful.coding.forms import (
    AgreementForm,
    ApplyCodesForm,
    CodebookCodeForm,
    CodebookImportForm,
    CooccurrenceForm,
    FinishedForm,
    MemoForm,
    SuggestionDecisionForm,
    ThemesForm,
)
from meaningful.coding.models import Code, CodedSegment, Origin
from meaningful.conversations.forms import (
    ActionForm,
    ConversationForm,
    OutcomeChoiceForm,
    OutcomeRecordForm,
    StartForm,
)
from meaningful.conversations.models import Conversation, OutcomeRecord
from meaningful.demo.factories import (
    PERSONA_PASSWORD,
    Personas,
    make_action,
    make_conversation,
    set_up_two_factor,
)
from meaningful.frameworks.models import Framework
from meaningful.interop.views import UploadForm
from meaningful.national.views import UploadForm as NationalUploadForm
from meaningful.people.administrator_views import BreakGlassForm, FindPersonForm
from meaningful.people.consent_views import ConsentForm, WithdrawForm
from meaningful.people.erasure import raise_erasure_request
from meaningful.people.erasure_views import DecisionForm, ErasureRequestForm
from meaningful.people.models import BreakGlass, Consent, ErasureRequest, Person
from meaningful.people.services import record_consent
from meaningful.plans.models import Action, SupportPlan
from meaningful.plans.services import ActionInput
from meaningful.plans.views import ActionEditForm, ActionStatusForm
from meaningful.reports.views import ReportForm
from meaningful.returns.views import ReturnForm
from meaningful.search.forms import SearchForm
from meaningful.text import text_problem
from meaningful.web.fields import DatePartsField

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "\x00",
    "Agnes\x00Millar",
    "x" * 25_000,
    "\u0661\u0662",  # Arabic-Indic digits: twelve
    "\u0661\u0662/\u0660\u0663/\u0662\u0660\u0662\u0664",
    "\uff11\uff12",  # full-width digits
    "\uff12\uff10\uff12\uff14",
    "\u0968",  # Devanagari two
    '=HYPERLINK("https://example.com","click")',
    "+1",
    "-1",
    "@SUM(A1:A9)",
    "=1+1",
    "\ud800",
    "text with a lone \udfff half",
    "0",
    "13",
    "31",
    "2024",
    "99999999999999999999",
    "1e9",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202egnp.exe",
    "\ufeffmet",
    "line one\r\nline two",
]
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc"]), max_size=12),
    st.text(st.characters(categories=["Nd"]), min_size=1, max_size=4),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),
)
DATE_PART = st.one_of(
    st.sampled_from(["1", "12", "28", "2", "2024", "1899", "3000", "0", "-1", ""]), TEXT
)


@dataclass(frozen=True)
class Scene:
    """Everything the forms' pages need: people, records, a plan, requests, accounts."""

    personas: Personas
    person: Person
    draft: Conversation
    record: OutcomeRecord
    action: Action
    consent: Consent
    erasure: ErasureRequest
    auditor: User
    framework: Framework


@pytest.fixture
def scene(personas: Personas, person: Person) -> Scene:
    agreed = make_conversation(
        personas.owner, person, held_on=timezone.localdate() - timedelta(days=30)
    )
    action = make_action(
        personas.owner,
        agreed,
        ActionInput("Phone the lunch club", "service", outcome="seeing-people"),
    )
    draft = make_conversation(personas.owner, person)
    record = draft.records.select_related("outcome").get(outcome__code="seeing-people")
    consent = record_consent(
        personas.owner, person, "share-anonymised-quotes", given_on=timezone.localdate()
    )
    second_admin = create_staff_user(
        personas.system,
        personas.organisation,
        username="second-admin",
        first_name="Second",
        last_name="Admin",
        password=PERSONA_PASSWORD,
    )
    grant_role(personas.system, second_admin, Role.ORG_ADMIN, organisation=personas.organisation)
    erasure = raise_erasure_request(
        second_admin, person, asked_on=timezone.localdate(), what_was_asked="Erase all."
    )
    auditor = create_staff_user(
        personas.system,
        personas.organisation,
        username="auditor",
        first_name="Ada",
        last_name="Auditor",
        password=PERSONA_PASSWORD,
    )
    grant_role(personas.system, auditor, Role.AUDITOR, organisation=personas.organisation)
    set_up_two_factor(personas.colleague)
    return Scene(
        personas,
        person,
        draft,
        record,
        action,
        consent,
        erasure,
        auditor,
        Framework.objects.get(slug="talking-points-service-users"),
    )


def outcomes(scene: Scene) -> list[Any]:
    return list(scene.framework.outcomes.all())


@dataclass(frozen=True)
class Page:
    """Where a form is used: who signs in, how the page is called, and what else it sends."""

    who: str  # a persona, "auditor", or "" for a visitor
    method: str
    url: Callable[[Scene], str]
    fixed: Callable[[Scene], dict[str, Any]] = lambda scene: {}


def stored_version(record: Any) -> str:
    """The version saved now, as a page opened just before would send it."""
    return str(type(record).objects.get(pk=record.pk).version)


def nothing(scene: Scene) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class FormCase:
    """How to build a form, the page that uses it, and answers that pass, to vary one by one."""

    build: Callable[[Scene, Any], forms.BaseForm]
    page: Page
    valid: Callable[[Scene], dict[str, Any]] = nothing
    files: bool = False


def date_parts(name: str, day: date) -> dict[str, Any]:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def recording(scene: Scene) -> dict[str, Any]:
    """A valid recording page for one outcome, so that the action rows are checked too."""
    today = timezone.localdate()
    return {
        "kind": "review",
        "framework": scene.framework.slug,
        "outcomes": ["seeing-people"],
        "held_on_day": today.day,
        "held_on_month": today.month,
        "held_on_year": today.year,
        "seeing-people-outcome_type": "maintain",
        "seeing-people-what_matters": "To see my sister",
    }


def upload_form(scene: Scene, data: Any) -> UploadForm:
    if data is None:
        return UploadForm(organisation=scene.personas.organisation)
    content = str(data.get("file", "")).encode("utf-8", "surrogatepass")
    files = {"file": SimpleUploadedFile("records.csv", content)}
    return UploadForm(data, files, organisation=scene.personas.organisation)


def codebook_import_form(scene: Scene, data: Any) -> CodebookImportForm:
    if data is None:
        return CodebookImportForm()
    content = str(data.get("file", "")).encode("utf-8", "surrogatepass")
    upload: UploadedFile = SimpleUploadedFile("codebook.qdc", content)
    return CodebookImportForm(data, MultiValueDict({"file": [upload]}))


def coding_code(scene: Scene) -> int:
    """The codebook's code for an outcome the draft conversation records."""
    ensure_outcome_codes(scene.personas.organisation)
    return Code.objects.get(
        framework_slug="talking-points-service-users", outcome_code="seeing-people"
    ).pk


def waiting_suggestion(scene: Scene) -> int:
    """A suggested code waiting on the draft conversation's story."""
    story = scene.draft.story
    return CodedSegment.objects.create(
        conversation=scene.draft,
        field="story",
        start=0,
        end=len(story),
        text_hash="0" * 16,
        code_id=coding_code(scene),
        origin=Origin.MODEL,
        confidence=0.5,
    ).pk


FORMS: dict[type[forms.BaseForm], FormCase] = {
    StartForm: FormCase(
        lambda s, data: StartForm(data, frameworks=[s.framework]),
        Page("owner", "get", lambda s: reverse("conversation-start", args=[s.person.pk])),
    ),
    OutcomeChoiceForm: FormCase(
        lambda s, data: OutcomeChoiceForm(data, outcomes=outcomes(s)),
        Page(
            "owner",
            "get",
            lambda s: reverse("conversation-start", args=[s.person.pk]),
            lambda s: {"kind": "review", "framework": s.framework.slug, "chosen": "1"},
        ),
    ),
    ConversationForm: FormCase(
        lambda s, data: ConversationForm(data),
        Page(
            "owner",
            "post",
            lambda s: reverse("conversation-edit", args=[s.draft.pk]),
            lambda s: {"version": stored_version(s.draft), "reason": "checking"},
        ),
        lambda s: {**date_parts("held_on", s.draft.held_on), "story": "We met at home."},
    ),
    OutcomeRecordForm: FormCase(
        lambda s, data: OutcomeRecordForm(
            data, outcome=s.record.outcome, scale=s.framework.default_scale
        ),
        Page(
            "owner",
            "post",
            lambda s: reverse("record-edit", args=[s.draft.pk, s.record.pk]),
            lambda s: {"version": stored_version(s.record), "reason": "checking"},
        ),
        lambda s: {"seeing-people-outcome_type": "maintain", "seeing-people-working": "Jean"},
    ),
    ActionForm: FormCase(
        lambda s, data: ActionForm(data, outcomes=outcomes(s), prefix="action-1"),
        Page(
            "owner",
            "post",
            lambda s: reverse("conversation-record", args=[s.person.pk]),
            recording,
        ),
        lambda s: {"action-1-description": "Phone the club", "action-1-owner": "service"},
    ),
    ActionEditForm: FormCase(
        lambda s, data: ActionEditForm(data),
        Page(
            "owner",
            "post",
            lambda s: reverse("action-edit", args=[s.action.pk]),
            lambda s: {"version": stored_version(s.action)},
        ),
        lambda s: {"description": "Phone the lunch club", "owner": "service"},
    ),
    ActionStatusForm: FormCase(
        lambda s, data: ActionStatusForm(data),
        Page(
            "owner",
            "post",
            lambda s: reverse("action-status", args=[s.action.pk]),
            lambda s: {"version": stored_version(s.action)},
        ),
        lambda s: {"status": "in-progress"},
    ),
    UploadForm: FormCase(
        upload_form,
        Page("admin", "post", lambda s: reverse("import-upload")),
        lambda s: {
            "framework": s.framework.slug,
            "dry_run": "on",
            "file": "Person ID,Forename,Surname,Conversation date,Outcome,Rating\n"
            "P1,Ann,Lee,01/02/2024,Feeling safe,Met\n",
        },
        files=True,
    ),
    FilterForm: FormCase(
        lambda s, data: FilterForm(data),
        Page("auditor", "get", lambda s: reverse("audit-log")),
    ),
    ReportForm: FormCase(
        lambda s, data: ReportForm(data, teams=[s.personas.team]),
        Page("owner", "get", lambda s: reverse("reports")),
    ),
    CodeForm: FormCase(
        lambda s, data: CodeForm(data),
        Page("colleague", "post", lambda s: reverse("two-factor-recovery-codes")),
    ),
    SetUpForm: FormCase(
        lambda s, data: SetUpForm(data),
        Page("owner", "post", lambda s: reverse("two-factor-set-up")),
    ),
    NewStaffForm: FormCase(
        lambda s, data: NewStaffForm(data, teams=[s.personas.team]),
        Page("admin", "post", lambda s: reverse("staff-new")),
        lambda s: {
            "first_name": "Isla",
            "last_name": "Reid",
            "username": "isla.reid",
            "role": "practitioner",
            "team": str(s.personas.team.pk),
        },
    ),
    ResetForm: FormCase(
        lambda s, data: ResetForm(data),
        Page(
            "admin",
            "post",
            lambda s: reverse("two-factor-reset", args=[s.personas.colleague.pk]),
        ),
        lambda s: {"reason": "Phone lost on Monday, confirmed by a call."},
    ),
    SignInForm: FormCase(
        lambda s, data: SignInForm(None, data),
        Page("", "post", lambda s: reverse("login")),
    ),
    FindPersonForm: FormCase(
        lambda s, data: FindPersonForm(data),
        Page("admin", "post", lambda s: reverse("subject-access")),
    ),
    BreakGlassForm: FormCase(
        lambda s, data: BreakGlassForm(data),
        Page("admin", "post", lambda s: reverse("break-glass")),
    ),
    ConsentForm: FormCase(
        lambda s, data: ConsentForm(data),
        Page("owner", "post", lambda s: reverse("consent-record", args=[s.person.pk])),
        lambda s: {
            "purpose": "share-anonymised-quotes",
            "how_given": "in-person",
            **date_parts("given_on", timezone.localdate()),
        },
    ),
    WithdrawForm: FormCase(
        lambda s, data: WithdrawForm(data),
        Page(
            "owner",
            "post",
            lambda s: reverse("consent-withdraw", args=[s.person.pk, s.consent.pk]),
        ),
        lambda s: date_parts("withdrawn_on", timezone.localdate()),
    ),
    ErasureRequestForm: FormCase(
        lambda s, data: ErasureRequestForm(data),
        Page("admin", "post", lambda s: reverse("erasure-request-new")),
    ),
    NationalUploadForm: FormCase(
        lambda s, data: NationalUploadForm(data),
        Page("national", "post", lambda s: reverse("national")),
        lambda s: {"returns": "{}"},
        files=True,
    ),
    ReturnForm: FormCase(
        lambda s, data: ReturnForm(data, organisations=[s.personas.organisation]),
        Page("admin", "post", lambda s: reverse("returns")),
    ),
    CodebookCodeForm: FormCase(
        lambda s, data: CodebookCodeForm(data, parents=[(str(coding_code(s)), "Seeing people")]),
        Page("admin", "post", lambda s: reverse("coding-code-new")),
        lambda s: {"name": "Barriers"},
    ),
    CodebookImportForm: FormCase(
        codebook_import_form,
        Page("admin", "post", lambda s: reverse("coding-import")),
        lambda s: {
            "dry_run": "on",
            "file": '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code '
            'guid="0f8fad5b-d9cb-469f-a165-70867728950e" name="Stairs" isCodable="true"/>'
            "</Codes></CodeBook>",
        },
        files=True,
    ),
    MemoForm: FormCase(
        lambda s, data: MemoForm(data),
        Page("owner", "post", lambda s: reverse("coding-code", args=[coding_code(s)])),
        lambda s: {"text": "Split this code?"},
    ),
    ApplyCodesForm: FormCase(
        lambda s, data: ApplyCodesForm(
            data,
            narratives=[("story", "The story")],
            codes=[(str(coding_code(s)), "Seeing people")],
        ),
        Page("owner", "post", lambda s: reverse("coding-narrative", args=[s.draft.pk])),
        lambda s: {"narrative": "story", "codes": [str(coding_code(s))]},
    ),
    SuggestionDecisionForm: FormCase(
        lambda s, data: SuggestionDecisionForm(data),
        Page("owner", "post", lambda s: reverse("coding-suggestion", args=[waiting_suggestion(s)])),
        lambda s: {"decision": "reject"},
    ),
    FinishedForm: FormCase(
        lambda s, data: FinishedForm(data),
        Page("owner", "post", lambda s: reverse("coding-finished", args=[s.draft.pk])),
        lambda s: {"finished": "yes"},
    ),
    CooccurrenceForm: FormCase(
        lambda s, data: CooccurrenceForm(data),
        Page("owner", "get", lambda s: reverse("coding-cooccurrence")),
    ),
    AgreementForm: FormCase(
        lambda s, data: AgreementForm(
            data,
            coders=[(str(s.personas.owner.pk), "Owner"), (str(s.personas.colleague.pk), "Lead")],
        ),
        Page("owner", "get", lambda s: reverse("coding-agreement")),
    ),
    ThemesForm: FormCase(
        lambda s, data: ThemesForm(data, scopes=[(f"team-{s.personas.team.pk}", "North")]),
        Page("owner", "get", lambda s: reverse("coding-themes")),
        lambda s: {"scope": f"team-{s.personas.team.pk}", "period": "", "field": "working"},
    ),
    SearchForm: FormCase(
        lambda s, data: SearchForm(data, teams=[s.personas.team]),
        Page("owner", "get", lambda s: reverse("search")),
        lambda s: {"q": "sister"},
    ),
    DecisionForm: FormCase(
        lambda s, data: DecisionForm(data),
        Page("admin", "post", lambda s: reverse("erasure-request", args=[s.erasure.pk])),
        lambda s: {"decision": "refuse", "reason": "The records are needed for a complaint."},
    ),
}


FORM_CLASSES = sorted(FORMS, key=lambda form: str(form.__name__))


def form_classes_in_the_code() -> set[type[forms.BaseForm]]:
    """Every form class defined in the service's own modules."""
    found: set[type[forms.BaseForm]] = set()
    for module_info in pkgutil.walk_packages(meaningful.__path__, "meaningful."):
        if ".migrations" in module_info.name or module_info.name.endswith((".wsgi", "__main__")):
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found.add(value)
    return found


def test_the_list_of_forms_is_complete() -> None:
    missing = form_classes_in_the_code() - set(FORMS)
    assert not missing, (
        f"Add these forms to FORMS in {__name__}, with how to build them and the page that "
        f"uses them: {sorted(form.__name__ for form in missing)}"
    )


def test_every_text_field_refuses_what_cannot_be_stored(scene: Scene) -> None:
    """Each text field, whatever its class, gives its own message rather than Django's."""
    for case in FORMS.values():
        form = case.build(scene, None)
        for name, form_field in form.fields.items():
            if isinstance(form_field, forms.CharField):
                for bad in ("a\x00b", "a\ud800b"):
                    bound = case.build(scene, {form.add_prefix(name): bad})
                    assert not bound.is_valid()
                    # Signing in says only that the username and password do not match.
                    said = bound.errors.get(name) or isinstance(form, SignInForm)
                    assert said, (type(form).__name__, name, bad)


def values_for(form: forms.BaseForm) -> st.SearchStrategy[dict[str, Any]]:
    """Random submitted data for every field of a form, by the names its page posts."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for name, form_field in form.fields.items():
        html_name = form.add_prefix(name)
        choices = [str(value) for value, _ in getattr(form_field, "choices", [])]
        one = st.one_of(st.sampled_from(choices), TEXT) if choices else TEXT
        if isinstance(form_field, DatePartsField):
            for part in ("day", "month", "year"):
                parts[f"{html_name}_{part}"] = DATE_PART
        elif isinstance(form_field, forms.MultipleChoiceField):
            parts[html_name] = st.lists(one, max_size=3)
        elif isinstance(form_field, forms.FileField):
            parts[html_name] = TEXT
        else:
            parts[html_name] = one
    one_field = st.sampled_from(sorted(parts)).flatmap(
        lambda name: parts[name].map(lambda value: {name: value})
    )
    return st.one_of(one_field, st.fixed_dictionaries({}, optional=parts))


def assert_clean(form: forms.BaseForm) -> None:
    """The form is valid with storable values, or invalid with errors on its fields."""
    if form.is_valid():
        for name, value in form.cleaned_data.items():
            texts = value if isinstance(value, list) else [value]
            for text in texts:
                if isinstance(text, str):
                    assert text_problem(text, limit=None) is None, (name, text)
    else:
        assert form.errors
        assert set(form.errors) <= {*form.fields, "__all__"}


@pytest.mark.parametrize("form_class", FORM_CLASSES)
def test_random_input_leaves_each_form_valid_or_with_field_errors(
    scene: Scene, form_class: type[forms.BaseForm]
) -> None:
    case = FORMS[form_class]

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        submitted = data.draw(values_for(case.build(scene, None)))
        assert_clean(case.build(scene, {**case.valid(scene), **submitted}))

    check()


STORED = (
    Person,
    Conversation,
    OutcomeRecord,
    SupportPlan,
    Action,
    Consent,
    ErasureRequest,
    BreakGlass,
    Revision,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in STORED}


def signed_in_client(scene: Scene, who: str) -> Client:
    client = Client(raise_request_exception=True)
    if who == "national":
        user = create_staff_user(
            scene.personas.system,
            scene.personas.organisation,
            username="fuzz-national",
            first_name="Nia",
            last_name="National",
        )
        grant_role(scene.personas.system, user, Role.NATIONAL_ANALYST)
        client.force_login(user)
    elif who:
        user = scene.auditor if who == "auditor" else getattr(scene.personas, who)
        client.force_login(user)
    return client


def as_sent(value: Any) -> Any:
    """What a browser sends for a value: UTF-8, in which half a surrogate pair is no character."""
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    return str(value).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def send(client: Client, page: Page, scene: Scene, data: dict[str, Any], files: bool) -> Any:
    url = page.url(scene)
    body = {**page.fixed(scene), **data}
    if page.method == "get":
        return client.get(f"{url}?{urlencode(body, doseq=True, errors='surrogatepass')}")
    if files:
        field, name = ("returns", "return.json") if "returns" in body else ("file", "records.csv")
        upload = SimpleUploadedFile(name, str(body.pop(field, "")).encode("utf-8", "surrogatepass"))
        return client.post(url, {**{k: as_sent(v) for k, v in body.items()}, field: upload})
    encoded = urlencode(body, doseq=True, errors="surrogatepass")
    return client.post(url, encoded, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("form_class", FORM_CLASSES)
def test_random_input_on_each_page_gets_errors_or_a_whole_save(
    scene: Scene, form_class: type[forms.BaseForm]
) -> None:
    case = FORMS[form_class]
    client = signed_in_client(scene, case.page.who)

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        submitted = data.draw(values_for(case.build(scene, None)))
        before = counts()
        response = send(client, case.page, scene, {**case.valid(scene), **submitted}, case.files)
        assert response.status_code in (200, 302, 400, 409), response.status_code
        if response.status_code in (400, 409):
            assert 'class="govuk-error-summary"' in response.content.decode()
            assert counts() == before, "a page that refused the form stored part of it"

    check()


def conversation_change(scene: Scene, **changes: Any) -> dict[str, Any]:
    return {
        **date_parts("held_on", scene.draft.held_on),
        "story": "We met at home.",
        "version": stored_version(scene.draft),
        "reason": "checking",
        **changes,
    }


def test_a_10_mb_answer_gets_a_page_saying_the_form_was_too_large(scene: Scene) -> None:
    client = signed_in_client(scene, "owner")
    url = reverse("conversation-edit", args=[scene.draft.pk])
    before = counts()
    response = client.post(url, conversation_change(scene, story="x" * (10 * 1024 * 1024)))
    assert response.status_code == 413
    html = response.content.decode()
    assert "The form was too large to send" in html and "at most 2.5 MB" in html
    assert "Nothing in it was saved." in html
    assert counts() == before


def test_an_answer_over_the_limit_gets_a_message_on_its_field(scene: Scene) -> None:
    client = signed_in_client(scene, "owner")
    url = reverse("conversation-edit", args=[scene.draft.pk])
    response = client.post(url, conversation_change(scene, story="x" * 20_001))
    assert response.status_code == 400
    assert (
        '<a href="#id_story">Write at most 20,000 characters here; this has 20,001.</a>'
        in response.content.decode()
    )
    assert stored_version(scene.draft) == "1"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"story": "We met\x00"}, "Remove the invisible NUL character from this text."),
        ({"held_on_day": "\u0661\u0662"}, "must be written in numbers"),
        ({"held_on_year": "\uff12\uff10\uff12\uff14"}, "must be written in numbers"),
        ({"held_on_month": "=1+1"}, "must be written in numbers"),
    ],
    ids=["NUL", "Arabic-Indic digits", "full-width digits", "formula"],
)
def test_what_cannot_be_stored_is_refused_on_its_field(
    scene: Scene, changes: dict[str, str], message: str
) -> None:
    client = signed_in_client(scene, "owner")
    url = reverse("conversation-edit", args=[scene.draft.pk])
    response = client.post(url, conversation_change(scene, **changes))
    assert response.status_code == 400 and message in response.content.decode()
    assert stored_version(scene.draft) == "1"


def test_formula_text_is_kept_as_typed(scene: Scene) -> None:
    """A person's words are never refused for looking like a spreadsheet formula; exports
    neutralise them (see test_export.py)."""
    client = signed_in_client(scene, "owner")
    url = reverse("conversation-edit", args=[scene.draft.pk])
    words = '=HYPERLINK("https://example.com","+1 more @SUM")'
    assert client.post(url, conversation_change(scene, story=words)).status_code == 302
    assert Conversation.objects.get(pk=scene.draft.pk).story == words
