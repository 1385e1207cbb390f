"""meaningful erasure-approve: approve an erasure request, anonymising the person's record."""

from __future__ import annotations

from meaningful.people.management.commands._erasure import DecisionCommand


class Command(DecisionCommand):
    help = (
        "Approve an erasure request raised by another administrator: the record is anonymised, "
        "unless a retention rule still covers it (then nothing changes and the rule is said)."
    )
    approve = True
