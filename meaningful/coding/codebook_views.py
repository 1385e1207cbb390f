"""The codebook's pages: the whole codebook, one code with its passages and memos, adding and
changing themes. Everyone who codes reads them; analysts and administrators change them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from meaningful.audit.services import EditConflict
from meaningful.coding.codebook_services import (
    Entry,
    add_code_memo,
    add_theme,
    code_of,
    codebook_entries,
    descendants_of,
    edit_code,
    read_codebook,
)
from meaningful.coding.forms import CodebookCodeForm, MemoForm
from meaningful.coding.reading import passages_of_code
from meaningful.coding.scope import NOT_A_KEEPER, keeps_codebook
from meaningful.coding.views import coder
from meaningful.errors import InvalidInput
from meaningful.web.form_errors import ErrorList, error_list, submitted_version

INDENTS = ("0", "4", "6", "8")  # GOV.UK spacing units for each depth of nesting


def _parents(entries: list[Entry], leave_out: set[int]) -> list[tuple[str, str]]:
    """Codes a theme may sit under, each shown with the codes above it."""
    path: list[str] = []
    choices = []
    for entry in entries:
        path = [*path[: entry.depth], entry.code.name]
        if entry.code.pk not in leave_out:
            choices.append((str(entry.code.pk), " \u203a ".join(path)))
    return choices


@login_required
def codebook(request: HttpRequest) -> HttpResponse:
    """The organisation's codebook: framework outcomes, then themes, nested."""
    user = coder(request)
    book = read_codebook(user)
    groups: dict[str, list[tuple[Entry, str]]] = {}
    for entry in book.entries:
        indent = INDENTS[min(entry.depth, len(INDENTS) - 1)]
        groups.setdefault(entry.group, []).append((entry, indent))
    return render(request, "coding/codebook.html", {"book": book, "groups": groups})


@login_required
def code_new(request: HttpRequest) -> HttpResponse:
    """Add a theme to the codebook (analysts and organisation administrators)."""
    user = coder(request)
    book = read_codebook(user)
    if not book.can_change:
        raise PermissionDenied(NOT_A_KEEPER)
    parents = _parents(book.entries, set())
    initial = {"parent": request.GET.get("parent", "")}
    form = CodebookCodeForm(
        request.POST if request.method == "POST" else None, initial=initial, parents=parents
    )
    errors: ErrorList = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                code = add_theme(
                    user,
                    name=data["name"],
                    description=data["description"],
                    examples=data["examples"],
                    parent_id=form.parent_id(),
                )
            except InvalidInput as problem:
                for name, message in problem.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, f"Theme added: {code.name}.")
                return redirect("coding-code", code.pk)
        errors = error_list([form])
    return render(
        request,
        "coding/code_form.html",
        {"form": form, "errors": errors, "code": None},
        status=400 if errors else 200,
    )


@login_required
def code_detail(request: HttpRequest, code_id: str) -> HttpResponse:
    """One code: what it means, where it sits, its memos and every passage coded with it."""
    user = coder(request)
    code = code_of(user, code_id)
    form = MemoForm(request.POST if request.method == "POST" else None)
    errors: ErrorList = []
    if request.method == "POST":
        if form.is_valid():
            try:
                add_code_memo(user, code, form.cleaned_data["text"])
            except InvalidInput as problem:
                form.add_error("text", problem.errors.get("text", str(problem)))
            else:
                messages.success(request, "Memo added.")
                return redirect("coding-code", code.pk)
        errors = error_list([form])
    listed, total = passages_of_code(user, code)
    return render(
        request,
        "coding/code.html",
        {
            "code": code,
            "children": list(code.children.order_by("name")),
            "memos": list(code.memos.select_related("author")),
            "listed": listed,
            "total": total,
            "form": form,
            "errors": errors,
            "can_change": keeps_codebook(user, code.organisation),
        },
        status=400 if errors else 200,
    )


@login_required
def code_edit(request: HttpRequest, code_id: str) -> HttpResponse:
    """Change a theme, or add examples to an outcome (analysts and organisation administrators)."""
    user = coder(request)
    code = code_of(user, code_id)
    if not keeps_codebook(user, code.organisation):
        raise PermissionDenied(NOT_A_KEEPER)
    initial = {
        "name": code.name,
        "description": code.description,
        "examples": code.examples,
        "parent": str(code.parent_id or ""),
    }
    form = CodebookCodeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        parents=_parents(codebook_entries(code.organisation), {code.pk, *descendants_of(code)}),
        outcome=code.is_outcome,
    )
    errors: ErrorList = []
    version = code.version
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                edit_code(
                    user,
                    code,
                    name=data.get("name", code.name),
                    description=data.get("description", code.description),
                    examples=data["examples"],
                    parent_id=form.parent_id() if "parent" in form.fields else None,
                    expected_version=submitted_version(request),
                )
            except InvalidInput as problem:
                for name, message in problem.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except EditConflict as conflict:
                version = conflict.version
                form.add_error(
                    None,
                    f"{conflict.message} Look at the code as it is now, then make your change "
                    "again.",
                )
            else:
                messages.success(request, f"Code saved: {code.name}.")
                return redirect("coding-code", code.pk)
        errors = error_list([form])
    return render(
        request,
        "coding/code_form.html",
        {"form": form, "errors": errors, "code": code, "version": version},
        status=400 if errors else 200,
    )
