"""Field types the API shares, each refusing what pydantic would quietly accept.

pydantic reads a date from a number (Unix time), so `?date=0` meant 1 January 1970 and `?date=20250101` a day
in 1970 too. `IsoDate` takes only `YYYY-MM-DD` (or a `date` object from Python code); anything else is a 422
naming the field.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value  # pydantic checks that the day exists (2025-02-30 is refused)
    raise PydanticCustomError("date_type", "Input should be a date as YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
