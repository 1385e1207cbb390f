from __future__ import annotations

from meaningful.analysis.anonymise import anonymise


def test_known_names_go_in_any_case_and_a_possessive_stays_to_read_on() -> None:
    assert anonymise("ARCHIE wants his own key. archie's key.", ["Archie"]) == (
        "[name] wants his own key. [name]'s key."
    )
    assert anonymise("understands Ailsa's condition; Louise goes on Tuesdays") == (
        "understands [name]'s condition; [name] goes on Tuesdays"
    )


def test_the_pattern_pass_takes_titles_places_dates_and_contacts() -> None:
    text = "She said Mrs Brown from Ninewells visited on 12 March 2025, call 01382 123456."
    assert anonymise(text, ["Jean"]) == (
        "She said [name] from [place] visited on [date], call [phone]."
    )
    assert (
        anonymise("since my move to Arbroath in May 2025") == "since my move to [place] in [date]"
    )
    assert anonymise("Moved to DD1 4HN on 03/02/2024; jean.b@example.org knows") == (
        "Moved to [place] on [date]; [name] knows"
    )


def test_capitalised_words_mid_sentence_go_but_everyday_ones_stay() -> None:
    assert anonymise("I go to the Lunch Club in Broughty Ferry on Tuesday with my GP's note") == (
        "I go to the [name] in [place] on Tuesday with my GP's note"
    )
    # A sentence may start with a capital: only known names are caught there.
    assert anonymise("Feeling safer. Getting out more.") == "Feeling safer. Getting out more."


def test_a_given_name_that_starts_a_sentence_goes_even_when_the_record_does_not_hold_it() -> None:
    # A carer names the person they care for, who is not on the system.
    assert anonymise("Stephanie has lost touch with friends. Morag's son calls.") == (
        "[name] has lost touch with friends. [name]'s son calls."
    )
    assert anonymise('"Eilidh never sleeps," she said. - Piotr helps.') == (
        '"[name] never sleeps," she said. - [name] helps.'
    )
    # Everyday words that are also names, and words that are not names, stay.
    text = "May is hard. Will she cope? Hope keeps her going. An assessment is due. Money is tight."
    assert anonymise(text) == text


def test_it_takes_plain_text_and_gives_plain_text() -> None:
    assert anonymise("") == ""
    long = "word " * 5000 + "Fred"
    assert anonymise(long).endswith("[name]")
