"""API tokens on the web: everyone sees and can revoke their own; organisation administrators
also their staff's. Tokens are issued only on the command line (see meaningful.api.tokens)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from meaningful.accounts.models import Membership, Role
from meaningful.accounts.views import signed_in_user
from meaningful.api.tokens import (
    MOST_TOKEN_DAYS,
    TOKEN_DAYS,
    revoke_token,
    token_status,
    visible_tokens,
)
from meaningful.errors import InvalidInput


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The tokens the user may see and revoke, newest first."""
    actor = signed_in_user(request)
    now = timezone.now()
    return render(
        request,
        "api/tokens.html",
        {
            "listed": [(token, token_status(token, now)) for token in visible_tokens(actor)],
            "administers": Membership.objects.filter(user=actor, role=Role.ORG_ADMIN).exists(),
            "token_days": TOKEN_DAYS,
            "most_token_days": MOST_TOKEN_DAYS,
        },
    )


@login_required
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the tokens the user may see; 404 for any other."""
    actor = signed_in_user(request)
    try:
        token = revoke_token(actor, token_id)  # NotFound is a 404
    except InvalidInput as error:
        messages.error(request, " ".join(error.errors.values()))
    else:
        messages.success(
            request,
            f"The token '{token.name}' of {token.user.get_full_name() or token.user.username} "
            "is revoked: calls with it fail from now on.",
        )
    return redirect("api-tokens")
