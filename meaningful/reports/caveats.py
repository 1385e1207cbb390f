"""The caveats that travel with a report's figures, chosen for what the report holds."""

from __future__ import annotations

from meaningful.reports.model import Caveat, Report


def caveats_for(report: Report) -> list[Caveat]:
    """Return the caveats every reader of this report needs, the always-true ones first."""
    caveats = [
        Caveat(
            "contribution",
            "Contribution, not effect",
            "Many people and things contribute to a person's outcomes: their own efforts, family, "
            "community and other services. These figures describe how outcomes changed while "
            "people were supported; they do not show what the service caused.",
        ),
        Caveat(
            "rater-variation",
            "Ratings are summaries of conversations",
            "A rating is agreed in a conversation and summarises a story. Workers and teams use "
            "scales differently, and that can change over time; compare with care.",
        ),
        Caveat(
            "regression-to-the-mean",
            "People first seen at a hard time",
            "People often first meet a service at a crisis and would tend to improve anyway, so "
            "improvement from a first rating can overstate what changed because of support.",
        ),
    ]
    sections = report.sections
    if report.audience == "publication":
        caveats.append(
            Caveat(
                "disclosure-control",
                "Published figures are protected",
                "To keep anyone from being identified, "
                + report.policy.describe()[0].lower()
                + report.policy.describe()[1:],
            )
        )
    if len(sections) > 1:
        caveats.append(
            Caveat(
                "frameworks-apart",
                "Frameworks are not pooled",
                "Each framework and rating scale is a different instrument, so its figures are "
                "shown on their own and never added together.",
            )
        )
    if any(o.outcome_type == "maintain" for s in sections for o in s.outcomes):
        caveats.append(
            Caveat(
                "maintenance",
                "Holding steady is success",
                "For outcomes about maintaining quality of life, staying at the same level is the "
                "aim; 'maintained' counts people who held steady or improved.",
            )
        )
    small = [o.name for s in sections for o in s.outcomes if o.small]
    if small:
        caveats.append(
            Caveat(
                "small-numbers",
                "Small numbers",
                f"Fewer than {report.small_number} people stand behind some figures "
                f"({', '.join(sorted(set(small)))}). Their intervals are wide: read them as "
                "stories to explore, not as rates.",
            )
        )
    if report.national:
        caveats.append(national_caveat(report.national_left_out))
    for section in sections:
        completion = section.completion
        if completion.with_baseline and completion.reviewed.share is not None:
            missing = completion.with_baseline - completion.reviewed.count
            if missing:
                caveats.append(
                    Caveat(
                        "not-reviewed",
                        f"Who was not reviewed ({section.name})",
                        f"{missing} of {completion.with_baseline} people whose review was due "
                        "in the period had no review by its end. People lost to review (moves, "
                        "deaths, stepping back from support) are not a random group; compare "
                        "their first ratings in the review completion table.",
                    )
                )
    return caveats


def national_caveat(left_out: list[str]) -> Caveat:
    """How to read the figures by national outcome, and which frameworks they leave out."""
    text = (
        "The personal outcome figures are the primary figures. The figures by national outcome "
        "regroup the same ratings under Scotland's National Health and Wellbeing Outcomes "
        "through a mapping that is an interpretation, not an official crosswalk. A personal "
        "outcome can feed several national outcomes, and each person is counted once for each "
        "national outcome, however many of their personal outcomes or frameworks feed it."
    )
    if left_out:
        text += (
            " Outcomes with no mapping are left out of that view: those of "
            + ", ".join(left_out)
            + "."
        )
    return Caveat("national-outcomes", "National outcomes are an interpretation", text)
