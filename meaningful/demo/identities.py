"""Made-up but well-formed personal details for demo and test people (never real people)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from meaningful.people.identifiers import mod11_check_digit

# Real Scottish postcode districts; the sectors and units are random, so no address is implied.
POSTCODE_DISTRICTS = [
    "DD1",
    "DD2",
    "DD3",
    "DD4",
    "DD5",
    "DD8",
    "DD9",
    "DD10",
    "DD11",
    "PH1",
    "PH2",
    "PH7",
    "PH10",
    "PH11",
    "PH12",
    "PH13",
    "DD7",
    "DD6",
]


@dataclass(frozen=True)
class Identity:
    given_name: str
    family_name: str
    sex: str
    date_of_birth: date
    postcode: str
    chi: str


def make_chi(born: date, sex: str, rng: random.Random) -> str:
    """Return a valid CHI number for a date of birth; the ninth digit is odd for males."""
    while True:
        serial = f"{rng.randrange(100):02d}"
        sex_digit = rng.choice("13579" if sex == "male" else "02468")
        first_nine = born.strftime("%d%m%y") + serial + sex_digit
        check = mod11_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)


def make_postcode(rng: random.Random) -> str:
    """Return a well-formed postcode in a Tayside district."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.choice(POSTCODE_DISTRICTS)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def make_identity(
    rng: random.Random,
    *,
    given_names: dict[str, list[str]],
    family_names: list[str],
    today: date,
    min_age: int,
    max_age: int,
) -> Identity:
    """Return a person aged between min_age and max_age on ``today``."""
    sex = rng.choices(["female", "male"], weights=[56, 44])[0]
    age_days = rng.randint(min_age * 365, max_age * 365 + 364)
    born = today - timedelta(days=age_days)
    return Identity(
        given_name=rng.choice(given_names[sex]),
        family_name=rng.choice(family_names),
        sex=sex,
        date_of_birth=born,
        postcode=make_postcode(rng),
        chi=make_chi(born, sex, rng),
    )
