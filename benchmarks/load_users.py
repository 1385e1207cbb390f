"""The simulated staff of benchmarks/load.py, for locust: practitioners and team leaders.

Practitioners sign in (password, then a code from their authenticator app, computed with
pyotp), then record conversations through the real forms: the caseload, a person's page,
the kind and framework, the outcomes, the recording form (with a live-hint check per outcome),
saving the draft, checking it and agreeing it. Team leaders sign in the same way and open the
reports dashboard with and without filters, download a report, and look at their caseload.

Accounts come from the JSON file named by LOADBENCH_ACCOUNTS (load.py writes it). Pauses between
pages are multiplied by LOADBENCH_THINK (default 1; 0 sends requests as fast as answers come).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser

import pyotp
from locust import HttpUser, task
from locust.exception import StopUser

SAVE = "save conversation"
AGREE = "agree conversation"
PERSON_LINK = re.compile(r'href="/people/([0-9a-f-]{36})/"')
CONVERSATION = re.compile(r"/conversations/([0-9a-f-]{36})/$")
CASELOAD_PAGES = 8  # 25 people a page; seed-scale gives each team about 250 people at 10,000
WORDS = [
    "I want to get out to the shops on my own again",
    "Seeing my granddaughter every Sunday keeps me going",
    "I would like to sleep through the night without worrying",
    "Going back to the lunch club on Tuesdays",
    "Feeling safe in the house when my son is at work",
]


class FlowError(Exception):
    """A page did not look as a browser would need it to: the flow cannot go on."""


@dataclass
class Form:
    """One form of a page: where it posts, the values a browser would send, the choices offered."""

    action: str
    method: str
    values: dict[str, list[str]] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)

    def pairs(self) -> list[tuple[str, str]]:
        return [(name, value) for name, values in self.values.items() for value in values]


class FormReader(HTMLParser):
    """Read every form of a page as a browser would submit it untouched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name", "")
        if form is None or (not name and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"radio", "checkbox"}:
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.values.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in {"submit", "button"}:
                form.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            form.values[name] = [""]
        elif tag == "select":
            self._select, self._selected = name, False
            form.choices[name], form.values[name] = [], []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            form.choices[self._select].append(value)
            if "selected" in a and not self._selected:
                form.values[self._select], self._selected = [value], True
            elif not form.values[self._select]:
                form.values[self._select] = [value]  # a browser sends the first option

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form.values[self._textarea][0] += data


def forms_of(html: str) -> list[Form]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def post_form(html: str, action: str = "") -> Form:
    """The page's first POST form, or the first whose action contains ``action``."""
    for form in forms_of(html):
        if form.method == "post" and action in form.action:
            if "csrfmiddlewaretoken" not in form.values:
                raise FlowError("a form without a CSRF token")
            return form
    raise FlowError(f"no form posting to {action or 'this page'!r}")


def pause(low: float, high: float) -> None:
    """Think time; time.sleep is gevent's under locust, so other users carry on meanwhile."""
    time.sleep(random.uniform(low, high) * float(os.environ.get("LOADBENCH_THINK", "1")))


_ACCOUNTS: dict[str, list[dict[str, str]]] = {}


def next_account(kind: str) -> dict[str, str]:
    """The next unused account of this kind from load.py's file; each is signed in by one user."""
    if not _ACCOUNTS:
        with open(os.environ["LOADBENCH_ACCOUNTS"]) as handle:
            for account in json.load(handle):
                _ACCOUNTS.setdefault(account["kind"], []).append(account)
    if not _ACCOUNTS.get(kind):
        raise StopUser()
    return _ACCOUNTS[kind].pop(0)


def date_parts(name: str, day: date) -> dict[str, list[str]]:
    return {
        f"{name}_day": [str(day.day)],
        f"{name}_month": [str(day.month)],
        f"{name}_year": [str(day.year)],
    }


class Staff(HttpUser):
    """Someone who signs in with a password and a code from their authenticator app."""

    abstract = True
    kind = ""

    def on_start(self) -> None:
        self.account = next_account(self.kind)
        self.sign_in()

    def sign_in(self) -> None:
        page = self.client.get("/sign-in/", name="sign in: page")
        form = post_form(page.text)
        form.values.update(username=[self.account["username"]], password=[self.account["password"]])
        self.submit(form.pairs(), "/sign-in/", "sign in: password", "/sign-in/code/")
        page = self.client.get("/sign-in/code/", name="sign in: code page")
        form = post_form(page.text, "")
        form.values["code"] = [pyotp.TOTP(self.account["secret"]).now()]
        self.submit(form.pairs(), "/sign-in/code/", "sign in: code", "/")

    def submit(self, data: list[tuple[str, str]], url: str, name: str, expect: str) -> str:
        """Post a form; a redirect whose path starts with ``expect`` is success. Return its path."""
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and location.startswith(expect):
                response.success()
                return str(location)
            problem = _first_error(response.text) if response.status_code < 500 else ""
            response.failure(f"{response.status_code} {location or problem}".strip())
            raise FlowError(f"{name}: {response.status_code}")

    def get(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200 or "/sign-in/" in response.url:
                response.failure(f"{response.status_code} at {response.url}")
                raise FlowError(f"{name}: {response.status_code}")
            response.success()
            return str(response.text)


def _first_error(html: str) -> str:
    found = re.search(r'govuk-error-summary__list">\s*<li>\s*<a[^>]*>([^<]+)', html)
    return found.group(1).strip() if found else ""


class Practitioner(Staff):
    """Records conversations with people on their team's caseload, one after another."""

    weight = 25
    kind = "practitioner"

    @task
    def record_a_conversation(self) -> None:
        caseload = self.get(f"/people/?page={random.randint(1, CASELOAD_PAGES)}", "caseload")
        people = PERSON_LINK.findall(caseload)
        if not people:
            raise FlowError("an empty caseload page")
        person = random.choice(people)
        pause(1, 3)
        self.get(f"/people/{person}/", "person page")
        pause(1, 2)
        start = f"/people/{person}/conversations/new/"
        choice = next(
            (
                f
                for f in forms_of(self.get(start, "start: kind and framework"))
                if f.method == "get"
            ),
            None,
        )
        if choice is None or not choice.choices.get("framework"):
            raise FlowError("no framework offered")
        kind = choice.values.get("kind", ["review"])[0]
        framework = choice.values.get("framework", choice.choices["framework"])[0]
        pause(1, 2)
        chosen = f"{start}?kind={kind}&framework={framework}"
        outcomes = next(
            (f for f in forms_of(self.get(chosen, "start: outcomes page")) if f.method == "get"),
            None,
        )
        offered = (
            (outcomes.values.get("outcomes") or outcomes.choices.get("outcomes"))
            if outcomes
            else None
        )
        if not offered:
            raise FlowError("no outcomes offered")
        picked = random.sample(offered, k=min(len(offered), random.randint(2, 4)))
        pause(1, 3)
        query = "&".join(f"outcomes={code}" for code in picked)
        record_page = self.get(f"{chosen}&{query}", "start: outcomes -> record form")
        form = post_form(record_page, "/conversations/record/")
        self.fill(form, picked)
        for code in picked:
            pause(2, 4)
            self.live_hint(form, code)
        saved = self.submit(form.pairs(), form.action, SAVE, "/conversations/")
        found = CONVERSATION.search(saved)
        if found is None:
            raise FlowError(f"saving went to {saved}")
        self.agree(found.group(1))
        pause(2, 5)

    def fill(self, form: Form, outcomes: list[str]) -> None:
        today = date.today()
        values = form.values
        values.update(date_parts("held_on", today))
        values.update(date_parts("next_review_due", today + timedelta(days=182)))
        values["participants"] = ["The person and their daughter"]
        values["story"] = ["We talked about the week and what has changed since the last review."]
        for code in outcomes:
            values[f"{code}-what_matters"] = [random.choice(WORDS)]
            values[f"{code}-working"] = ["Her daughter visits twice a week"]
            values[f"{code}-not_working"] = ["The stairs are harder since the winter"]
            values[f"{code}-outcome_type"] = [random.choice(form.choices[f"{code}-outcome_type"])]
            for level in ("worker_level", "person_level", "agreed_level"):
                rated = [v for v in form.choices.get(f"{code}-{level}", []) if v]
                values[f"{code}-{level}"] = [random.choice(rated)]
        owners = [v for v in form.choices.get("action-1-owner", []) if v]
        if owners:
            values["action-1-description"] = ["Ask the council about a stair rail"]
            values["action-1-owner"] = [random.choice(owners)]
            values["action-1-outcome"] = [outcomes[0]]
            values.update(date_parts("action-1-due_on", today + timedelta(days=28)))

    def live_hint(self, form: Form, code: str) -> None:
        """What the recording form's script asks while the practitioner writes about an outcome."""
        data = {
            name: form.values[f"{code}-{name}"][0]
            for name in ("what_matters", "working", "not_working")
        }
        self.client.post(
            "/conversations/check-record/",
            data=data,
            headers={"X-CSRFToken": form.values["csrfmiddlewaretoken"][0]},
            name="live recording hints",
        )

    def agree(self, conversation: str) -> None:
        pause(2, 4)
        page = self.get(f"/conversations/{conversation}/", "check answers")
        form = post_form(page, "/agree/")
        agreed = self.submit(form.pairs(), form.action, AGREE, f"/conversations/{conversation}/")
        self.get(agreed, "agreed page")


class TeamLeader(Staff):
    """Looks at the figures of their team, now and then downloading them or the caseload."""

    weight = 5
    kind = "team-leader"

    def on_start(self) -> None:
        super().on_start()
        pause(0, 2)

    @task(4)
    def dashboard(self) -> None:
        self.get("/reports/", "reports: dashboard")
        pause(3, 8)

    @task(3)
    def filtered_dashboard(self) -> None:
        query = random.choice(
            [
                "population=carers",
                "age_band=65-74",
                "audience=publication",
                f"period={date.today().year}",
                "framework=talking-points-service-users",
            ]
        )
        self.get(f"/reports/?{query}", "reports: dashboard filtered")
        pause(3, 8)

    @task(1)
    def download(self) -> None:
        self.get("/reports/report.csv", "reports: CSV download")
        pause(3, 8)

    @task(1)
    def caseload(self) -> None:
        self.get("/people/", "caseload")
        pause(3, 8)

    @task(1)
    def home(self) -> None:
        self.get("/", "home")
        pause(3, 8)
