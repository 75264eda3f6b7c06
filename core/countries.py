"""Countries: ISO 3166-1 codes (from pycountry), ACLED's spelling of their names and ACLED's regions.

ACLED writes country names its own way ("Democratic Republic of Congo", "Ivory Coast", "Turkey"),
numeric ISO codes in `iso`, and groups countries into numbered regions (ACLED API user guide,
region codes 1–20). The region table is written by hand from that guide; the ISO data comes
from pycountry. Kosovo, which has no ISO code, uses the user-assigned XKX / XK as ACLED does.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pycountry

# ACLED's regions and their numeric ids (API user guide, February 2022, API version 3.4+).
ACLED_REGIONS: dict[int, str] = {
    1: "Western Africa",
    2: "Middle Africa",
    3: "Eastern Africa",
    4: "Southern Africa",
    5: "Northern Africa",
    7: "South Asia",
    9: "Southeast Asia",
    11: "Middle East",
    12: "Europe",
    13: "Caucasus and Central Asia",
    14: "Central America",
    15: "South America",
    16: "Caribbean",
    17: "East Asia",
    18: "North America",
    19: "Oceania",
    20: "Antarctica",
}

_REGION_MEMBERS: dict[int, str] = {
    1: "BEN BFA CPV CIV GMB GHA GIN GNB LBR MLI MRT NER NGA SEN SLE TGO SHN",
    2: "AGO CMR CAF TCD COG COD GNQ GAB STP",
    3: "BDI COM DJI ERI ETH KEN MDG MUS MYT REU RWA SYC SOM SSD TZA UGA IOT",
    4: "BWA LSO MOZ MWI NAM SWZ ZAF ZMB ZWE",
    5: "DZA EGY LBY MAR SDN TUN ESH",
    7: "AFG BGD BTN IND LKA MDV NPL PAK",
    9: "BRN KHM IDN LAO MYS MMR PHL SGP THA TLS VNM",
    11: "BHR IRN IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR TUR ARE YEM",
    12: (
        "ALA ALB AND AUT BEL BGR BIH BLR CHE CYP CZE DEU DNK ESP EST FIN FRA FRO GBR GGY GIB GRC "
        "HRV HUN IMN IRL ISL ITA JEY LIE LTU LUX LVA MCO MDA MKD MLT MNE NLD NOR POL PRT ROU RUS "
        "SJM SMR SRB SVK SVN SWE UKR VAT XKX"
    ),
    13: "ARM AZE GEO KAZ KGZ TJK TKM UZB",
    14: "BLZ CRI GTM HND MEX NIC PAN SLV",
    15: "ARG BOL BRA CHL COL ECU FLK GUF GUY PER PRY SUR URY VEN",
    16: (
        "ABW AIA ATG BES BHS BLM BRB CUB CUW CYM DMA DOM GLP GRD HTI JAM KNA LCA MAF MSR MTQ PRI "
        "SXM TCA TTO VCT VGB VIR"
    ),
    17: "CHN HKG JPN KOR MAC MNG PRK TWN",
    18: "BMU CAN GRL SPM USA UMI",
    19: (
        "ASM AUS COK CXR CCK FJI FSM GUM KIR MHL MNP NCL NFK NIU NRU NZL PCN PLW PNG PYF SLB TKL "
        "TON TUV VUT WLF WSM"
    ),
    20: "ATA ATF BVT HMD SGS",
}
REGION_OF: dict[str, int] = {
    iso3: region for region, members in _REGION_MEMBERS.items() for iso3 in members.split()
}

# Where ACLED's spelling differs from pycountry's common name.
_ACLED_NAMES: dict[str, str] = {
    "BES": "Caribbean Netherlands",
    "BLM": "Saint-Barthelemy",
    "BRN": "Brunei",
    "CIV": "Ivory Coast",
    "COD": "Democratic Republic of Congo",
    "COG": "Republic of Congo",
    "CPV": "Cape Verde",
    "CUW": "Curacao",
    "CZE": "Czech Republic",
    "FLK": "Falkland Islands",
    "FSM": "Micronesia",
    "GMB": "Gambia",
    "MAF": "Saint-Martin",
    "PSE": "Palestine",
    "REU": "Reunion",
    "RUS": "Russia",
    "SWZ": "eSwatini",
    "SXM": "Sint Maarten",
    "TLS": "East Timor",
    "TUR": "Turkey",
    "USA": "United States",
    "VAT": "Vatican City",
    "VGB": "British Virgin Islands",
    "VIR": "Virgin Islands, U.S.",
}

# Other spellings met in files (older ACLED vintages, UCDP, pandas exports).
_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "COD": ("Democratic Republic of the Congo", "DR Congo", "DRC", "Congo, DRC", "Zaire", "DR Congo (Zaire)"),
    "COG": ("Republic of the Congo", "Congo", "Congo-Brazzaville"),
    "CIV": ("Cote d'Ivoire", "Côte d'Ivoire"),
    "SWZ": ("Swaziland", "Eswatini", "Kingdom of eSwatini (Swaziland)"),
    "MKD": ("Macedonia", "Macedonia, FYR"),
    "CZE": ("Czechia",),
    "TUR": ("Türkiye", "Turkiye"),
    "MMR": ("Burma", "Myanmar (Burma)"),
    "CPV": ("Cabo Verde",),
    "TLS": ("Timor-Leste",),
    "PSE": ("Palestinian Territory", "Occupied Palestinian Territory", "Israel-Palestine"),
    "USA": ("United States of America", "USA", "US"),
    "GBR": ("UK", "Great Britain"),
    "YEM": ("Yemen (North Yemen)",),
    "RUS": ("Russia (Soviet Union)", "Russian Federation"),
    "KHM": ("Cambodia (Kampuchea)",),
    "MDG": ("Madagascar (Malagasy)",),
    "ZWE": ("Zimbabwe (Rhodesia)",),
    "SRB": ("Serbia (Yugoslavia)",),
    "BFA": ("Burkina Faso (Upper Volta)",),
    "XKX": ("Republic of Kosovo",),
    "BIH": ("Bosnia-Herzegovina",),
}


# Country codes that are not ISO 3166-1 alpha-3 but that files carry in their `iso3` column, and the
# country each stands for. Kosovo has no ISO code: ACLED writes the user-assigned XKX (a country of
# its own here), other data sets KSV, XKS or KOS. The others are codes ISO has withdrawn or replaced,
# still found in files coded before the change; a withdrawn code whose country split (YUG, SCG,
# CSK, SUN, ANT) is deliberately absent: the numeric `iso` or the name decides those rows.
CODE_ALIASES: dict[str, str] = {
    "KSV": "XKX",  # Kosovo (World Bank's former code)
    "XKS": "XKX",  # Kosovo
    "KOS": "XKX",  # Kosovo
    "ZAR": "COD",  # Zaire, withdrawn 1997
    "TMP": "TLS",  # East Timor, withdrawn 2002
    "ROM": "ROU",  # Romania, replaced 2002
    "BUR": "MMR",  # Burma, withdrawn 1989
    "HVO": "BFA",  # Upper Volta, withdrawn 1984
    "DHY": "BEN",  # Dahomey, withdrawn 1977
    "RHO": "ZWE",  # Southern Rhodesia, withdrawn 1980
}
# ACLED's numeric `iso` for countries ISO gives no number: 0 is Kosovo (the ACLED export writes it).
ACLED_NUMERIC_ALIASES: dict[int, str] = {0: "XKX"}


@dataclass(frozen=True, slots=True)
class Country:
    """One country as Chronicle and ACLED name and number it."""

    iso3: str
    iso2: str
    numeric: int
    name: str
    region_id: int | None

    @property
    def region(self) -> str:
        return ACLED_REGIONS.get(self.region_id, "") if self.region_id else ""


def _fold(text: str) -> str:
    """Case- and accent-insensitive key for country names."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().replace("’", "'").split())


def _build() -> tuple[dict[str, Country], dict[int, Country], dict[str, Country], dict[str, Country]]:
    by_iso3: dict[str, Country] = {}
    names: dict[str, Country] = {}
    for record in pycountry.countries:
        common = getattr(record, "common_name", None) or record.name
        country = Country(
            iso3=record.alpha_3,
            iso2=record.alpha_2,
            numeric=int(record.numeric),
            name=_ACLED_NAMES.get(record.alpha_3, common),
            region_id=REGION_OF.get(record.alpha_3),
        )
        by_iso3[country.iso3] = country
        for spelling in (record.name, common, getattr(record, "official_name", None)):
            if spelling:
                names.setdefault(_fold(spelling), country)
    kosovo = Country(iso3="XKX", iso2="XK", numeric=0, name="Kosovo", region_id=REGION_OF["XKX"])
    by_iso3["XKX"] = kosovo
    # ACLED's own spellings and the aliases win over pycountry's formal names.
    for country in by_iso3.values():
        names[_fold(country.name)] = country
    for iso3, aliases in _EXTRA_ALIASES.items():
        for alias in aliases:
            names[_fold(alias)] = by_iso3[iso3]
    by_numeric = {c.numeric: c for c in by_iso3.values() if c.numeric}
    by_iso2 = {c.iso2: c for c in by_iso3.values()}
    return by_iso3, by_numeric, names, by_iso2


COUNTRIES, _BY_NUMERIC, _BY_NAME, _BY_ISO2 = _build()


def country_by_iso3(code: str) -> Country | None:
    return COUNTRIES.get((code or "").strip().upper())


def country_by_code(code: str) -> Country | None:
    """An ISO 3166-1 alpha-3 code, or one of the older or unofficial codes in CODE_ALIASES."""
    code = (code or "").strip().upper()
    return COUNTRIES.get(code) or COUNTRIES.get(CODE_ALIASES.get(code, ""))


def country_by_acled_numeric(number: int | str | None) -> Country | None:
    """ACLED's `iso` column: an ISO 3166-1 numeric code, or ACLED's own (ACLED_NUMERIC_ALIASES)."""
    try:
        value = int(float(str(number).strip()))
    except (TypeError, ValueError):
        return None
    return _BY_NUMERIC.get(value) or COUNTRIES.get(ACLED_NUMERIC_ALIASES.get(value, ""))


def country_by_iso2(code: str) -> Country | None:
    return _BY_ISO2.get((code or "").strip().upper())


def country_by_numeric(number: int | str | None) -> Country | None:
    """ISO 3166-1 numeric code (ACLED's `iso` column: "760", "760.0"); 0 means unknown."""
    try:
        return _BY_NUMERIC.get(int(float(str(number).strip())))
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=2048)  # bounded: the argument comes from user input
def country_by_name(name: str) -> Country | None:
    """ACLED's, ISO's or a common spelling of a country's name, case- and accent-insensitive."""
    return _BY_NAME.get(_fold(name or ""))


def lookup_country(text: str) -> Country | None:
    """A country from an ISO2 or ISO3 code or a name (the API's `country` filter)."""
    text = (text or "").strip()
    if len(text) == 2:
        return country_by_iso2(text)
    if len(text) == 3 and text.isalpha() and (found := country_by_iso3(text)):
        return found
    return country_by_name(text)


def region_for(iso3: str) -> str:
    """ACLED's region name for a country ("Middle East" for SYR); blank when unknown."""
    country = country_by_iso3(iso3)
    return country.region if country else ""
