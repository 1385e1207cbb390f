"""meaningful erasure-refuse: refuse an erasure request, saying why."""

from __future__ import annotations

from meaningful.people.management.commands._erasure import DecisionCommand


class Command(DecisionCommand):
    help = "Refuse an erasure request raised by another administrator, saying why."
    approve = False
