"""Property-based tests of every validator of identifiers and amounts: each accepts what is valid
in any of its usual spellings, refuses what is not with its French message, and never fails in
another way whatever the text (Hypothesis; examples bounded to keep the suite fast)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir
from wtforms.validators import ValidationError

from app.carnet import schemas as carnet_schemas
from app.carnet.forms import validate_nir
from app.core import validators
from app.core.forms import french_phone, postal_code
from app.dora.forms import check_phone, check_postal_code, check_siret
from app.finance.rules import MAX_AMOUNT, RuleError, euros, parse_amount

EXAMPLES = settings(max_examples=150, deadline=None, database=None)
digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
any_text = st.text(max_size=40)
separators = st.sampled_from(["", " ", "."])


def spaced(number: str, separator: str, size: int) -> str:
    return separator.join(number[i : i + size] for i in range(0, len(number), size))


class Field:
    def __init__(self, data):
        self.data = data


# SIRET -----------------------------------------------------------------------------------------


def with_key(number: str) -> str:
    return number + luhn.calc_check_digit(number)


# A SIRET is a SIREN (8 digits and its Luhn key) and a branch number, with a Luhn key over all.
sirets = st.builds(
    lambda siren, branch: with_key(with_key(siren) + branch),
    st.text(alphabet="0123456789", min_size=8, max_size=8).filter(lambda s: s != "35600000"),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)


@EXAMPLES
@given(siret=sirets, separator=separators)
def test_a_siret_with_its_luhn_keys_is_accepted_in_any_spelling(siret, separator):
    assert check_siret(spaced(siret, separator, 3)) == siret


@EXAMPLES
@given(siret=sirets, position=st.integers(0, 13), digit=digits)
def test_a_siret_with_one_wrong_digit_is_refused(siret, position, digit):
    wrong = siret[:position] + digit + siret[position + 1 :]
    assume(wrong != siret)
    with pytest.raises(ValueError, match="SIRET n'est pas valide"):
        check_siret(wrong)


@EXAMPLES
@given(text=any_text)
def test_any_text_as_a_siret_is_accepted_or_refused_in_french(text):
    try:
        result = check_siret(text)
    except ValueError as error:
        assert "SIRET" in str(error)
    else:
        assert result is None or (re.fullmatch(r"\d{14}", result) and luhn.is_valid(result))


# NIR -------------------------------------------------------------------------------------------


nir_bodies = st.builds(
    lambda sex, year, month, department, commune, order: (
        f"{sex}{year:02d}{month:02d}{department:02d}{commune:03d}{order:03d}"
    ),
    st.sampled_from("12"),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(1, 95),
    st.integers(1, 990),
    st.integers(1, 999),
)


@EXAMPLES
@given(body=nir_bodies, separator=st.sampled_from(["", " "]))
def test_a_nir_is_accepted_with_or_without_its_key(body, separator):
    key = stdnum_nir.calc_check_digits(body)
    assume(stdnum_nir.is_valid(body + key))
    assert validate_nir(body) == body
    assert validate_nir(spaced(body + key, separator, 5)) == body + key


@EXAMPLES
@given(body=nir_bodies, wrong=st.integers(1, 97))
def test_a_nir_with_a_wrong_key_is_refused(body, wrong):
    key = stdnum_nir.calc_check_digits(body)
    assume(stdnum_nir.is_valid(body + key))
    other = f"{(int(key) + wrong - 1) % 97 + 1:02d}"
    assume(other != key)
    with pytest.raises(ValueError, match="clé du NIR|NIR n'est pas valide"):
        validate_nir(body + other)


@EXAMPLES
@given(text=any_text)
def test_any_text_as_a_nir_is_accepted_or_refused_in_french(text):
    try:
        result = validate_nir(text)
    except ValueError as error:
        assert "NIR" in str(error)
    else:
        assert len(result) in (13, 15) and stdnum_nir.is_valid(result[:13] + result[13:] or "")


# Phone and postal code -------------------------------------------------------------------------


@EXAMPLES
@given(
    first=st.sampled_from("123456789"),
    rest=st.text(alphabet="0123456789", min_size=8, max_size=8),
    separator=st.sampled_from(["", " ", ".", "-"]),
    prefix=st.sampled_from(["0", "+33", "0033"]),
)
def test_a_french_phone_is_accepted_in_any_usual_spelling(first, rest, separator, prefix):
    national = "0" + first + rest
    written = prefix + spaced(national[1:], separator, 2) if prefix != "0" else None
    written = written or spaced(national, separator, 2)
    expected = re.sub(r"[\s.\-]", "", written)
    assert check_phone(written) == expected
    field = Field(written)
    french_phone(None, field)
    assert field.data == expected


@EXAMPLES
@given(text=any_text)
def test_any_text_as_a_phone_is_accepted_or_refused_in_french(text):
    try:
        result = check_phone(text)
    except ValueError as error:
        assert "téléphone" in str(error)
    else:
        assert result is None or re.fullmatch(r"\+?[0-9]{10,13}", result)


@EXAMPLES
@given(text=any_text)
def test_a_postal_code_is_five_digits(text):
    field = Field(text)
    if re.fullmatch(r"[0-9]{5}", text.strip()) or not text:
        postal_code(None, field)
    else:
        with pytest.raises(ValidationError, match="5 chiffres"):
            postal_code(None, field)


def test_digits_of_other_scripts_are_not_french_numbers():
    for text in ("٩٣٢٠٠", "９３２００"):  # Arabic-Indic and full-width "93200"
        with pytest.raises(ValidationError, match="5 chiffres"):
            postal_code(None, Field(text))
    with pytest.raises(ValueError, match="téléphone"):
        check_phone("٠٦١٢٣٤٥٦٧٨")


# Amounts ---------------------------------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2)


@EXAMPLES
@given(amount=amounts)
def test_an_amount_reads_back_from_its_french_and_plain_spellings(amount):
    assert parse_amount(euros(amount)) == amount
    assert parse_amount(str(amount)) == amount
    assert parse_amount(str(amount).replace(".", ",")) == amount


@EXAMPLES
@given(amount=amounts, extra=st.integers(1, 9))
def test_a_third_decimal_is_refused(amount, extra):
    with pytest.raises(RuleError, match="deux décimales"):
        parse_amount(f"{amount:.2f}{extra}")


@EXAMPLES
@given(amount=st.decimals(max_value=Decimal("0"), places=2, allow_nan=False, allow_infinity=False))
def test_zero_and_negative_amounts_are_refused(amount):
    with pytest.raises(RuleError):
        parse_amount(str(amount))


@EXAMPLES
@given(text=any_text)
def test_any_text_as_an_amount_is_exact_or_refused_in_french(text):
    try:
        amount = parse_amount(text)
    except RuleError as error:
        assert "montant" in str(error).lower()
    else:
        assert isinstance(amount, Decimal) and Decimal("0") < amount <= MAX_AMOUNT
        assert amount == amount.quantize(Decimal("0.01"))


def verdict(check, text):
    """The normalised value, or « refused »."""
    try:
        return check(text)
    except ValueError:  # PydanticCustomError included
        return "refused"


@EXAMPLES
@given(text=any_text)
def test_every_domain_applies_the_one_phone_and_postal_code_rule(text):
    """The forms, DORA's checks and imports, and the Carnet API call app.core.validators: the same
    text is accepted (and normalised alike) or refused everywhere."""
    text = text.strip() or None  # as the Carnet API receives it
    for rule, others in (
        (validators.french_phone, (check_phone, carnet_schemas._phone)),
        (validators.postal_code, (check_postal_code, carnet_schemas._postal_code)),
    ):
        expected = verdict(rule, text)
        assert [verdict(other, text) for other in others] == [expected, expected]
