"""Identity documents a natural person may register with, and how each number is checked.

Mainland residents use the resident identity card (GB 11643). Residents of Hong Kong, Macao and Taiwan use
their travel permits or, since 2018, residence permits whose numbers follow GB 11643 with the region codes
810000 / 820000 / 830000. Foreigners use the permanent residence ID card (2023 format: 18 digits starting 9,
GB 11643 check digit; 2017 format: 3 letters + 12 digits) or their passport.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.codes import citizen_check_char, citizen_id_error


class DocType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    HMT_RESIDENCE = "hmt_residence", _("Residence permit for Hong Kong, Macao and Taiwan residents")
    HK_MACAO_PERMIT = "hk_macao_permit", _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
    FOREIGN_PERMANENT = "foreign_permanent", _("Foreigner's permanent residence ID card")
    PASSPORT = "passport", _("Passport")


_HK_MACAO = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TAIWAN = re.compile(r"^\d{8}$")
_FOREIGN_2017 = re.compile(r"^[A-Z]{3}\d{12}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,17}$")


def _birth_date_error(number: str) -> str | None:
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return _("Digits 7 to 14 are not a real date of birth.")
    if born.year < 1900 or born > dt.date.today():
        return _("The date of birth is outside the possible range.")
    return None


def _gb11643_shape_error(number: str) -> str | None:
    if len(number) != 18:
        return _("This number has exactly 18 characters.")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _("This number is 17 digits followed by a digit or a capital X.")
    return None


def document_number_error(doc_type: str, number: str) -> str | None:
    """Why `number` is not a valid number for `doc_type`, or None. `number` must already be normalised."""
    if not number:
        return _("Enter the document number.")
    if doc_type == DocType.RESIDENT_ID:
        return citizen_id_error(number)
    if doc_type == DocType.HMT_RESIDENCE:
        if err := _gb11643_shape_error(number):
            return err
        if number[:6] not in ("810000", "820000", "830000"):
            return _("A Hong Kong, Macao or Taiwan residence permit number starts with 810000, 820000 or 830000.")
        if err := _birth_date_error(number):
            return err
        return (
            None if citizen_check_char(number[:17]) == number[17] else _("The check digit (last character) is wrong.")
        )
    if doc_type == DocType.HK_MACAO_PERMIT:
        if not _HK_MACAO.match(number):
            return _("A Hong Kong or Macao permit number is H or M followed by 8 or 10 digits.")
        return None
    if doc_type == DocType.TAIWAN_PERMIT:
        return None if _TAIWAN.match(number) else _("A Taiwan residents' permit number has 8 digits.")
    if doc_type == DocType.FOREIGN_PERMANENT:
        if _FOREIGN_2017.match(number):
            return None
        if err := _gb11643_shape_error(number):
            return _(
                "A permanent residence ID number has 18 digits (2023 card) or 3 letters and 12 digits (2017 card)."
            )
        if number[0] != "9":
            return _("A 2023 permanent residence ID number starts with 9.")
        if err := _birth_date_error(number):
            return err
        return (
            None if citizen_check_char(number[:17]) == number[17] else _("The check digit (last character) is wrong.")
        )
    if doc_type == DocType.PASSPORT:
        return None if _PASSPORT.match(number) else _("A passport number has 5 to 17 letters and digits.")
    return _("Unknown document type.")


def birth_date(doc_type: str, number: str) -> dt.date | None:
    """Date of birth encoded in the number, for the document types that carry one."""
    if doc_type in (DocType.RESIDENT_ID, DocType.HMT_RESIDENCE, DocType.FOREIGN_PERMANENT) and len(number) == 18:
        try:
            return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            return None
    return None
