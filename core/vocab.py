"""Chronicle's controlled vocabularies, declared once (ACLED's codebook names and values)."""

from django.db import models


class AcledTextChoices(models.TextChoices):
    """Choices shown as ACLED spells them ("Non-state actor overtakes territory"), not title-cased names."""

    @property
    def label(self) -> str:
        return self.value


class EventType(AcledTextChoices):
    BATTLES = "Battles"
    EXPLOSIONS = "Explosions/Remote violence"
    VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians"
    PROTESTS = "Protests"
    RIOTS = "Riots"
    STRATEGIC_DEVELOPMENTS = "Strategic developments"


class SubEventType(AcledTextChoices):
    ARMED_CLASH = "Armed clash"
    GOVERNMENT_REGAINS_TERRITORY = "Government regains territory"
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = "Non-state actor overtakes territory"
    CHEMICAL_WEAPON = "Chemical weapon"
    AIR_DRONE_STRIKE = "Air/drone strike"
    SUICIDE_BOMB = "Suicide bomb"
    SHELLING = "Shelling/artillery/missile attack"
    REMOTE_EXPLOSIVE = "Remote explosive/landmine/IED"
    GRENADE = "Grenade"
    SEXUAL_VIOLENCE = "Sexual violence"
    ATTACK = "Attack"
    ABDUCTION = "Abduction/forced disappearance"
    PEACEFUL_PROTEST = "Peaceful protest"
    PROTEST_WITH_INTERVENTION = "Protest with intervention"
    EXCESSIVE_FORCE = "Excessive force against protesters"
    VIOLENT_DEMONSTRATION = "Violent demonstration"
    MOB_VIOLENCE = "Mob violence"
    AGREEMENT = "Agreement"
    ARRESTS = "Arrests"
    CHANGE_TO_GROUP = "Change to group/activity"
    DISRUPTED_WEAPONS_USE = "Disrupted weapons use"
    HEADQUARTERS_ESTABLISHED = "Headquarters or base established"
    LOOTING = "Looting/property destruction"
    NON_VIOLENT_TRANSFER = "Non-violent transfer of territory"
    OTHER = "Other"


class DisorderType(AcledTextChoices):
    POLITICAL_VIOLENCE = "Political violence"
    DEMONSTRATIONS = "Demonstrations"
    POLITICAL_VIOLENCE_DEMONSTRATIONS = "Political violence; Demonstrations"
    STRATEGIC_DEVELOPMENTS = "Strategic developments"


E, S, D = EventType, SubEventType, DisorderType

# event_type -> {sub_event_type: disorder_type}, as ACLED's codebook (2023) assigns them.
EVENT_TAXONOMY: dict[str, dict[str, str]] = {
    E.BATTLES: {
        S.ARMED_CLASH: D.POLITICAL_VIOLENCE,
        S.GOVERNMENT_REGAINS_TERRITORY: D.POLITICAL_VIOLENCE,
        S.NON_STATE_ACTOR_OVERTAKES_TERRITORY: D.POLITICAL_VIOLENCE,
    },
    E.EXPLOSIONS: {
        S.CHEMICAL_WEAPON: D.POLITICAL_VIOLENCE,
        S.AIR_DRONE_STRIKE: D.POLITICAL_VIOLENCE,
        S.SUICIDE_BOMB: D.POLITICAL_VIOLENCE,
        S.SHELLING: D.POLITICAL_VIOLENCE,
        S.REMOTE_EXPLOSIVE: D.POLITICAL_VIOLENCE,
        S.GRENADE: D.POLITICAL_VIOLENCE,
    },
    E.VIOLENCE_AGAINST_CIVILIANS: {
        S.SEXUAL_VIOLENCE: D.POLITICAL_VIOLENCE,
        S.ATTACK: D.POLITICAL_VIOLENCE,
        S.ABDUCTION: D.POLITICAL_VIOLENCE,
    },
    E.PROTESTS: {
        S.PEACEFUL_PROTEST: D.DEMONSTRATIONS,
        S.PROTEST_WITH_INTERVENTION: D.DEMONSTRATIONS,
        S.EXCESSIVE_FORCE: D.POLITICAL_VIOLENCE_DEMONSTRATIONS,
    },
    E.RIOTS: {
        S.VIOLENT_DEMONSTRATION: D.DEMONSTRATIONS,
        S.MOB_VIOLENCE: D.POLITICAL_VIOLENCE,
    },
    E.STRATEGIC_DEVELOPMENTS: {
        S.AGREEMENT: D.STRATEGIC_DEVELOPMENTS,
        S.ARRESTS: D.STRATEGIC_DEVELOPMENTS,
        S.CHANGE_TO_GROUP: D.STRATEGIC_DEVELOPMENTS,
        S.DISRUPTED_WEAPONS_USE: D.STRATEGIC_DEVELOPMENTS,
        S.HEADQUARTERS_ESTABLISHED: D.STRATEGIC_DEVELOPMENTS,
        S.LOOTING: D.STRATEGIC_DEVELOPMENTS,
        S.NON_VIOLENT_TRANSFER: D.STRATEGIC_DEVELOPMENTS,
        S.OTHER: D.STRATEGIC_DEVELOPMENTS,
    },
}

# Legacy events without a sub-type take the disorder type most of their sub-types share.
EVENT_TYPE_DEFAULT_DISORDER: dict[str, str] = {
    E.BATTLES: D.POLITICAL_VIOLENCE,
    E.EXPLOSIONS: D.POLITICAL_VIOLENCE,
    E.VIOLENCE_AGAINST_CIVILIANS: D.POLITICAL_VIOLENCE,
    E.PROTESTS: D.DEMONSTRATIONS,
    E.RIOTS: D.DEMONSTRATIONS,
    E.STRATEGIC_DEVELOPMENTS: D.STRATEGIC_DEVELOPMENTS,
}


def is_valid_pair(event_type: str, sub_event_type: str) -> bool:
    return sub_event_type in EVENT_TAXONOMY.get(event_type, {})


def disorder_type_for(event_type: str, sub_event_type: str) -> str:
    """ACLED's disorder_type for a pair; a blank (legacy) sub-type falls back to the type's."""
    if sub_event_type:
        return EVENT_TAXONOMY[event_type][sub_event_type]
    return EVENT_TYPE_DEFAULT_DISORDER[event_type]


class InterCode(models.IntegerChoices):
    """ACLED's inter codes: the kind of an actor (and of its role in one event)."""

    STATE_FORCES = 1, "State forces"
    REBEL_GROUP = 2, "Rebel group"
    POLITICAL_MILITIA = 3, "Political militia"
    IDENTITY_MILITIA = 4, "Identity militia"
    RIOTERS = 5, "Rioters"
    PROTESTERS = 6, "Protesters"
    CIVILIANS = 7, "Civilians"
    EXTERNAL_OTHER = 8, "External/Other forces"


_INTER_BY_LABEL = {label.lower(): value for value, label in InterCode.choices}


def parse_inter(value: str | int | None) -> int | None:
    """An inter code from an ACLED file: a number ("1", "1.0") or a label ("State forces")."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text == "0":
        return None
    try:
        number = int(float(text))
    except OverflowError:
        raise ValueError(f"inter code {text!r} is not one of 1–8") from None
    except ValueError:
        number = _INTER_BY_LABEL.get(text.lower())
        if number is None:
            raise ValueError(f"unknown inter code {text!r}") from None
    if number not in InterCode.values:
        raise ValueError(f"inter code {number} is not one of 1–8")
    return number


def interaction_for(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's interaction: both codes, lower digit first; a lone actor gives inter×10."""
    codes = sorted(code for code in (inter1, inter2) if code)
    if not codes:
        return None
    if len(codes) == 1:
        return codes[0] * 10
    return codes[0] * 10 + codes[1]


def inter_label(code: int | None) -> str:
    """ACLED's text for an inter code ("State forces"); blank for 0 or None (no such actor)."""
    return InterCode(code).label if code else ""


def interaction_label(interaction: int | None) -> str:
    """ACLED's text for an interaction code, as its API writes it with `inter_num=0`: both actor
    types, lower code first ("State forces-Civilians" for 17), or one ("Protesters only" for 60)."""
    if not interaction:
        return ""
    first, second = divmod(interaction, 10)
    if first not in InterCode.values or (second and second not in InterCode.values):
        return str(interaction)  # not a code ACLED defines: shown as stored
    if not second:
        return f"{inter_label(first)} only"
    return f"{inter_label(first)}-{inter_label(second)}"


class TimePrecision(models.IntegerChoices):
    DAY = 1, "Day"
    WEEK = 2, "Week"
    MONTH = 3, "Month"


class GeoPrecision(models.IntegerChoices):
    EXACT = 1, "Exact location"
    NEAR = 2, "Near the location / part of a region"
    REGION = 3, "Region centroid"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEWED = "reviewed", "Reviewed"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


class RetractionReason(models.TextChoices):
    DUPLICATE = "duplicate", "Duplicate of another event"
    ERROR = "error", "Coding error"
    SOURCE_WITHDRAWN = "source_withdrawn", "Source withdrawn or discredited"
    SAFETY = "safety", "Safety of people involved"
    OTHER = "other", "Other"


class ActorRole(models.TextChoices):
    ACTOR1 = "actor1", "Actor 1"
    ASSOC_ACTOR_1 = "assoc_actor_1", "Associated actor 1"
    ACTOR2 = "actor2", "Actor 2"
    ASSOC_ACTOR_2 = "assoc_actor_2", "Associated actor 2"


class SourceKind(models.TextChoices):
    NEWS_AGENCY = "news_agency", "News agency"
    NEWSPAPER = "newspaper", "Newspaper"
    BROADCASTER = "broadcaster", "Broadcaster"
    NGO = "ngo", "NGO"
    GOVERNMENT = "government", "Government"
    SOCIAL_MEDIA = "social_media", "Social media"
    PARTNER = "partner", "Partner"
    OTHER = "other", "Other"


class SourceScale(AcledTextChoices):
    LOCAL = "Local"
    SUBNATIONAL = "Subnational"
    NATIONAL = "National"
    REGIONAL = "Regional"
    INTERNATIONAL = "International"
    NEW_MEDIA = "New media"
    OTHER = "Other"
    LOCAL_PARTNER = "Local partner"
    NATIONAL_REGIONAL = "National-Regional"
    NATIONAL_INTERNATIONAL = "National-International"
    SUBNATIONAL_NATIONAL = "Subnational-National"
    SUBNATIONAL_REGIONAL = "Subnational-Regional"
    SUBNATIONAL_INTERNATIONAL = "Subnational-International"
    LOCAL_NATIONAL = "Local-National"
    LOCAL_REGIONAL = "Local-Regional"
    LOCAL_INTERNATIONAL = "Local-International"
    REGIONAL_INTERNATIONAL = "Regional-International"
    NEW_MEDIA_NATIONAL = "New media-National"
    NEW_MEDIA_REGIONAL = "New media-Regional"
    NEW_MEDIA_INTERNATIONAL = "New media-International"
    NEW_MEDIA_SUBNATIONAL = "New media-Subnational"
    OTHER_NATIONAL = "Other-National"
    OTHER_INTERNATIONAL = "Other-International"


class CitationField(models.TextChoices):
    EVENT = "", "The event as a whole"
    DATE = "date", "Date"
    LOCATION = "location", "Location"
    ACTORS = "actors", "Actors"
    FATALITIES = "fatalities", "Fatalities"
    EVENT_TYPE = "event_type", "Event type"
    NOTES = "notes", "Description"


class ActorRelationKind(models.TextChoices):
    MEMBER_OF = "member_of", "Member of"
    ALLIED_WITH = "allied_with", "Allied with"
    BACKED_BY = "backed_by", "Backed by"
    SPLINTER_OF = "splinter_of", "Splinter of"


# Legacy (pre-2019) ACLED event types -> (event_type, sub_event_type or "").
# Keys are lower-case; "Riots/Protests" depends on inter1 and is resolved by legacy_event_type_map.
LEGACY_EVENT_TYPES: dict[str, tuple[str, str]] = {
    "battle-no change of territory": (E.BATTLES, S.ARMED_CLASH),
    "battle-government regains territory": (E.BATTLES, S.GOVERNMENT_REGAINS_TERRITORY),
    "battle-non-state actor overtakes territory": (E.BATTLES, S.NON_STATE_ACTOR_OVERTAKES_TERRITORY),
    "battle-non-state actors overtake territory": (E.BATTLES, S.NON_STATE_ACTOR_OVERTAKES_TERRITORY),
    "battle-non-state actors overtakes territory": (E.BATTLES, S.NON_STATE_ACTOR_OVERTAKES_TERRITORY),
    "battle-non-state actor overtake territory": (E.BATTLES, S.NON_STATE_ACTOR_OVERTAKES_TERRITORY),
    "headquarters or base established": (E.STRATEGIC_DEVELOPMENTS, S.HEADQUARTERS_ESTABLISHED),
    "non-violent transfer of territory": (E.STRATEGIC_DEVELOPMENTS, S.NON_VIOLENT_TRANSFER),
    "remote violence": (E.EXPLOSIONS, ""),
    "violence against civilians": (E.VIOLENCE_AGAINST_CIVILIANS, ""),
    "strategic development": (E.STRATEGIC_DEVELOPMENTS, ""),
}


def legacy_event_type_map(legacy: str, inter1: int | None) -> tuple[str, str]:
    """Map a pre-2019 ACLED event type to (event_type, sub_event_type); raises ValueError."""
    key = " ".join(legacy.strip().lower().split())
    if key == "riots/protests":
        return (E.PROTESTS if inter1 == InterCode.PROTESTERS else E.RIOTS, "")
    try:
        return LEGACY_EVENT_TYPES[key]
    except KeyError:
        raise ValueError(f"unknown legacy event type {legacy!r}") from None


class ExportFileFormat(models.TextChoices):
    """The export formats by name (their writers: events.exports.formats.FORMATS, one per value)."""

    CSV = "csv", "csv (.csv)"
    ACLED = "acled", "acled (.acled.csv)"
    MONADIC = "monadic", "monadic (.monadic.csv)"
    GEOJSON = "geojson", "geojson (.geojson)"
    XLSX = "xlsx", "xlsx (.xlsx)"
    DATAPACKAGE = "datapackage", "datapackage (.zip)"
