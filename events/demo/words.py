"""Word lists, countries and proportions for seed_demo: invented names, ACLED-like shapes."""

import calendar
from types import SimpleNamespace

from django.db import models

from core.vocab import (
    ActorRole,
    EventType,
    GeoPrecision,
    InterCode,
    RetractionReason,
    SourceKind,
    SourceScale,
    Status,
    SubEventType,
    TimePrecision,
)


def plain(choices: type[models.Choices]) -> SimpleNamespace:
    """A vocabulary's members as plain str/int attributes: enum access is slow in hot loops."""
    return SimpleNamespace(**{member.name: member.value for member in choices})


E, S, K = plain(EventType), plain(SubEventType), plain(InterCode)
ROLE, GEO, STATUS, TIME = plain(ActorRole), plain(GeoPrecision), plain(Status), plain(TimePrecision)
RETRACTION_REASONS = tuple(RetractionReason.values)
SOURCE_SCALES = frozenset(SourceScale.values)


# (ISO alpha-3, centroid latitude, longitude, spread in degrees, weight for events, naming style)
COUNTRIES: tuple[tuple[str, float, float, float, int, str], ...] = (
    ("SYR", 35.0, 38.5, 1.8, 9, "arabic"),
    ("IRQ", 33.2, 43.7, 2.5, 7, "arabic"),
    ("YEM", 15.6, 47.5, 2.5, 8, "arabic"),
    ("LBN", 33.9, 35.9, 0.4, 3, "arabic"),
    ("PSE", 31.9, 35.2, 0.3, 6, "arabic"),
    ("ISR", 31.4, 34.9, 0.6, 3, "arabic"),
    ("JOR", 31.2, 36.5, 1.0, 1, "arabic"),
    ("SAU", 24.0, 45.0, 5.0, 1, "arabic"),
    ("IRN", 32.4, 53.7, 5.0, 4, "persian"),
    ("TUR", 39.0, 35.2, 4.0, 4, "turkic"),
    ("EGY", 26.8, 30.8, 3.5, 3, "arabic"),
    ("LBY", 27.0, 17.0, 5.0, 4, "arabic"),
    ("TUN", 34.0, 9.5, 1.5, 2, "arabic"),
    ("DZA", 28.0, 2.6, 5.0, 2, "arabic"),
    ("MAR", 31.8, -7.1, 2.5, 1, "arabic"),
    ("AFG", 33.9, 67.7, 3.0, 8, "persian"),
    ("PAK", 30.4, 69.3, 4.0, 7, "south_asian"),
    ("IND", 22.0, 79.0, 7.0, 9, "south_asian"),
    ("BGD", 23.7, 90.4, 1.5, 6, "south_asian"),
    ("NPL", 28.4, 84.1, 1.5, 2, "south_asian"),
    ("LKA", 7.9, 80.8, 0.8, 1, "south_asian"),
    ("MMR", 21.0, 96.0, 4.0, 7, "southeast_asian"),
    ("PHL", 12.9, 122.0, 4.0, 5, "southeast_asian"),
    ("THA", 15.9, 101.0, 3.5, 2, "southeast_asian"),
    ("IDN", -2.5, 118.0, 8.0, 3, "southeast_asian"),
    ("KHM", 12.6, 105.0, 1.5, 1, "southeast_asian"),
    ("CHN", 35.0, 104.0, 8.0, 2, "east_asian"),
    ("UKR", 48.4, 31.2, 4.0, 9, "slavic"),
    ("RUS", 55.8, 45.0, 8.0, 4, "slavic"),
    ("ARM", 40.1, 45.0, 0.6, 1, "persian"),
    ("AZE", 40.1, 47.6, 1.0, 1, "turkic"),
    ("GEO", 42.3, 43.4, 1.0, 1, "slavic"),
    ("SRB", 44.0, 20.9, 1.0, 1, "slavic"),
    ("FRA", 46.6, 2.2, 3.5, 2, "european"),
    ("DEU", 51.2, 10.4, 3.0, 1, "european"),
    ("GBR", 54.0, -2.5, 3.0, 1, "european"),
    ("GRC", 39.1, 21.8, 2.0, 1, "european"),
    ("USA", 39.8, -98.6, 12.0, 5, "european"),
    ("NGA", 9.1, 8.7, 4.0, 8, "african_west"),
    ("COD", -2.9, 23.6, 6.0, 8, "bantu"),
    ("SOM", 5.2, 46.2, 4.0, 7, "african_east"),
    ("SDN", 15.5, 30.2, 5.0, 7, "arabic"),
    ("SSD", 7.3, 30.0, 3.5, 5, "african_east"),
    ("ETH", 9.1, 40.5, 4.5, 6, "african_east"),
    ("KEN", 0.0, 37.9, 3.0, 3, "bantu"),
    ("UGA", 1.4, 32.3, 2.0, 2, "bantu"),
    ("CMR", 6.0, 12.4, 3.0, 5, "african_west"),
    ("CAF", 6.6, 20.9, 3.5, 4, "african_west"),
    ("MLI", 17.6, -4.0, 5.0, 5, "african_west"),
    ("BFA", 12.2, -1.6, 2.5, 6, "african_west"),
    ("NER", 17.6, 8.1, 5.0, 3, "african_west"),
    ("TCD", 15.5, 18.7, 5.0, 2, "african_west"),
    ("MOZ", -18.7, 35.5, 5.0, 3, "bantu"),
    ("ZAF", -30.6, 22.9, 5.0, 4, "bantu"),
    ("ZWE", -19.0, 29.2, 2.5, 1, "bantu"),
    ("BDI", -3.4, 29.9, 0.7, 2, "bantu"),
    ("SEN", 14.5, -14.5, 1.5, 1, "african_west"),
    ("GHA", 7.9, -1.0, 2.0, 1, "african_west"),
    ("MEX", 23.6, -102.5, 7.0, 8, "latin"),
    ("BRA", -14.2, -51.9, 9.0, 7, "latin"),
    ("COL", 4.6, -74.3, 4.0, 6, "latin"),
    ("VEN", 6.4, -66.6, 4.0, 3, "latin"),
    ("PER", -9.2, -75.0, 5.0, 2, "latin"),
    ("CHL", -35.7, -71.5, 5.0, 2, "latin"),
    ("ARG", -38.4, -63.6, 7.0, 2, "latin"),
    ("HTI", 18.9, -72.3, 0.8, 3, "latin"),
    ("HND", 15.2, -86.2, 1.5, 2, "latin"),
    ("GTM", 15.8, -90.2, 1.2, 2, "latin"),
    ("ECU", -1.8, -78.2, 2.0, 2, "latin"),
    ("BOL", -16.3, -63.6, 4.0, 1, "latin"),
)

# (prefixes, first syllables, second syllables, endings) per naming style; "" = none.
NAME_STYLES: dict[str, tuple[tuple[str, ...], ...]] = {
    "arabic": (
        ("", "", "", "Al ", "Tal ", "Deir ", "Ain ", "Kafr ", "Ras ", "Bir ", "Jabal ", "Wadi "),
        ("Ham", "Rah", "Kar", "Zab", "Nas", "Qas", "Mad", "Sul", "Jaz", "Bas", "Har", "Sha", "Dar", "Qal"),
        ("a", "ra", "ma", "ba", "di", "ha", "sa", "la", "mi", "ta", ""),
        ("", "iyah", "an", "ir", "oun", "at", "im", "ani", "ah", "el"),
    ),
    "persian": (
        ("", "", "", "", "Deh ", "Chah ", "Qala-ye "),
        ("Kan", "Dar", "Shah", "Gul", "Zar", "Bag", "Mir", "Nau", "Sang", "Khan", "Jan", "Ab", "Ar"),
        ("a", "i", "e", "o", "ra", "ba", "sha", ""),
        ("", "abad", "dara", "khel", "zai", "gah", "an", "ar", "van"),
    ),
    "south_asian": (
        ("", "", "", "", "", "Old ", "New "),
        ("Ra", "Ma", "Gan", "Sha", "Ban", "Del", "Jal", "Nag", "Har", "Sri", "Lal", "Nar", "Chan", "Pat"),
        ("ma", "ha", "da", "ra", "la", "ni", "gi", "wa", "ka", ""),
        ("pur", "abad", "ganj", "nagar", "garh", "kot", "pura", "ari", "", "hat"),
    ),
    "southeast_asian": (
        ("", "", "", "", "Ban ", "Kampong ", "Barangay "),
        ("Kyauk", "Myit", "Sa", "Tan", "Bu", "Ma", "Lo", "San", "Tha", "Kam", "Pa", "Ta"),
        ("lay", "taw", "pon", "gyi", "nam", "dong", "tok", "lin", "pyin", "si", "lang", "bo"),
        ("", "", "gon", "ung", "an", "o", "ay", "ao"),
    ),
    "east_asian": (
        ("",),
        ("Xin", "Hua", "Jin", "Long", "Shan", "Bai", "Qing", "He", "Tai", "Yun", "Fu", "Gao"),
        ("ping", "zhou", "yang", "an", "cheng", "ning", "kou", "shui", "men", "de", "tang", "ling"),
        ("",),
    ),
    "slavic": (
        ("", "", "", "", "Novo", "Staro", "Velyka ", "Mala "),
        ("Kras", "Zelen", "Bel", "Cher", "Pol", "Myko", "Sol", "Lis", "Dob", "Hor", "Viln", "Buz"),
        ("o", "a", "i", "no", "ho", "ro", "ya", ""),
        ("ivka", "ove", "sk", "ka", "yn", "ets", "horod", "ivtsi", "ino", "ova", "pil"),
    ),
    "turkic": (
        ("", "", "", "Yeni", "Eski", "Kara", "Ak"),
        ("Kizil", "Bay", "Sar", "Gol", "Ta", "Bal", "Kum", "Dag", "Yol", "Tas", "Kir", "Ok"),
        ("su", "dag", "koy", "kent", "li", "tepe", "cay", "bek", "lar", "ova", "pinar"),
        ("", "", "li", "lar", "ca", "dere"),
    ),
    "european": (
        ("", "", "", "", "Saint-", "North ", "East ", "Upper "),
        ("Ber", "Mon", "Ash", "Wal", "Ro", "Lin", "Fal", "Hol", "Nor", "Bri", "Ma", "Gren"),
        ("ton", "ville", "ford", "berg", "ley", "mont", "dale", "heim", "field", "bourg", "wick", "stead"),
        ("",),
    ),
    "african_west": (
        ("", "", "", "", "", "Kouri ", "Dan "),
        ("Ka", "Ma", "Bo", "Ou", "Da", "Ko", "Ga", "Sa", "Ni", "Ba", "Ta", "Zi", "Yo", "Te"),
        ("du", "na", "ri", "ko", "go", "ba", "la", "ma", "ye", "di", "ngo", "ssa", "fa"),
        ("", "", "ri", "wa", "ou", "ba", "ni", "kro", "dougou"),
    ),
    "african_east": (
        ("", "", "", "", "", "Bur ", "Ceel "),
        ("Ba", "Ga", "Do", "Mo", "Ki", "Ha", "Ja", "Gu", "Bu", "Wa", "Ar", "Be", "Ad", "Yi"),
        ("lo", "ra", "de", "ba", "le", "mu", "sa", "di", "gal", "wo", "yo", "ka"),
        ("", "", "ta", "le", "aw", "o", "ey", "ir"),
    ),
    "bantu": (
        ("", "", "", "", "", "Ki", "Nya"),
        ("Mbu", "Lu", "Ka", "Bu", "Ma", "Tshi", "Ru", "Ngo", "Mu", "Ko", "Ba", "Si", "Ki", "Mpa"),
        ("ba", "nga", "lo", "wa", "kam", "sa", "ndu", "ta", "si", "me", "ku"),
        ("", "", "ni", "la", "ze", "mbe", "shi", "ro", "nda"),
    ),
    "latin": (
        ("", "", "", "San ", "Santa ", "La ", "El ", "Villa ", "Puerto ", "Nueva ", "Los "),
        ("Ro", "Ca", "Men", "Sal", "Mar", "Tor", "Va", "Be", "Gua", "Al", "Pi", "Mon", "Cor", "Lu"),
        ("de", "li", "ra", "ro", "ci", "ta", "ja", "ni", "mi", "do", "le", ""),
        ("ro", "to", "ral", "sa", "a", "na", "jal", "llo", "cruz", "ra", "les", "gal"),
    ),
}

# Event types in roughly ACLED's proportions, and sub-types within each.
EVENT_TYPE_WEIGHTS: tuple[tuple[str, float], ...] = (
    (E.PROTESTS, 35),
    (E.BATTLES, 20),
    (E.EXPLOSIONS, 17),
    (E.VIOLENCE_AGAINST_CIVILIANS, 14),
    (E.STRATEGIC_DEVELOPMENTS, 9),
    (E.RIOTS, 5),
)
SUB_EVENT_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    E.BATTLES: (
        (S.ARMED_CLASH, 90),
        (S.GOVERNMENT_REGAINS_TERRITORY, 5),
        (S.NON_STATE_ACTOR_OVERTAKES_TERRITORY, 5),
    ),
    E.EXPLOSIONS: (
        (S.SHELLING, 40),
        (S.AIR_DRONE_STRIKE, 32),
        (S.REMOTE_EXPLOSIVE, 18),
        (S.GRENADE, 6),
        (S.SUICIDE_BOMB, 3),
        (S.CHEMICAL_WEAPON, 1),
    ),
    E.VIOLENCE_AGAINST_CIVILIANS: ((S.ATTACK, 72), (S.ABDUCTION, 23), (S.SEXUAL_VIOLENCE, 5)),
    E.PROTESTS: (
        (S.PEACEFUL_PROTEST, 90),
        (S.PROTEST_WITH_INTERVENTION, 8),
        (S.EXCESSIVE_FORCE, 2),
    ),
    E.RIOTS: ((S.VIOLENT_DEMONSTRATION, 65), (S.MOB_VIOLENCE, 35)),
    E.STRATEGIC_DEVELOPMENTS: (
        (S.ARRESTS, 25),
        (S.LOOTING, 20),
        (S.DISRUPTED_WEAPONS_USE, 15),
        (S.CHANGE_TO_GROUP, 12),
        (S.OTHER, 10),
        (S.HEADQUARTERS_ESTABLISHED, 8),
        (S.AGREEMENT, 6),
        (S.NON_VIOLENT_TRANSFER, 4),
    ),
}

# Actor kinds for the two sides of a battle (order is shuffled per event).
BATTLE_PAIRS: tuple[tuple[tuple[int, int], float], ...] = (
    ((K.STATE_FORCES, K.REBEL_GROUP), 35),
    ((K.STATE_FORCES, K.POLITICAL_MILITIA), 12),
    ((K.REBEL_GROUP, K.REBEL_GROUP), 6),
    ((K.REBEL_GROUP, K.POLITICAL_MILITIA), 8),
    ((K.STATE_FORCES, K.IDENTITY_MILITIA), 7),
    ((K.POLITICAL_MILITIA, K.POLITICAL_MILITIA), 5),
    ((K.IDENTITY_MILITIA, K.IDENTITY_MILITIA), 9),
    ((K.REBEL_GROUP, K.IDENTITY_MILITIA), 4),
    ((K.POLITICAL_MILITIA, K.IDENTITY_MILITIA), 4),
    ((K.STATE_FORCES, K.EXTERNAL_OTHER), 4),
    ((K.REBEL_GROUP, K.EXTERNAL_OTHER), 6),
)

VAC_PERPETRATORS = (
    K.STATE_FORCES,
    K.REBEL_GROUP,
    K.POLITICAL_MILITIA,
    K.POLITICAL_MILITIA,
    K.IDENTITY_MILITIA,
    K.EXTERNAL_OTHER,
)
SOCIAL_GROUPS = (
    "Students",
    "Labor Group",
    "Teachers",
    "Farmers",
    "Journalists",
    "Women",
    "Lawyers",
    "Health Workers",
    "Refugees/IDPs",
    "Traders",
    "Prisoners",
    "Fishers",
)
REBEL_PATTERNS = (
    "{n} Liberation Front",
    "{r} Liberation Army",
    "{n} Movement for Justice",
    "People's Army of {r}",
    "Revolutionary Armed Forces of {r}",
    "{n} Brigade",
    "National Front for the Salvation of {r}",
    "{n} Resistance Movement",
    "United {n} Front",
    "Islamic Emirate of {r}",
)
MILITIA_PATTERNS = (
    "{n} Party Militia ({c})",
    "Pro-Government Militia ({c})",
    "{n} Vigilante Group ({c})",
    "{n} Youth Militia ({c})",
    "{n} Self-Defense Forces ({c})",
    "Militia ({n})",
)
IDENTITY_PATTERNS = (
    "{n} Ethnic Militia ({c})",
    "{n} Clan Militia ({c})",
    "{n} Communal Militia ({c})",
    "{n} Tribal Militia ({c})",
)
INTERNATIONAL_SOURCES = (
    ("Global Wire Service", SourceKind.NEWS_AGENCY, SourceScale.INTERNATIONAL),
    ("International Press Agency", SourceKind.NEWS_AGENCY, SourceScale.INTERNATIONAL),
    ("World News Network", SourceKind.BROADCASTER, SourceScale.INTERNATIONAL),
    ("Associated Dispatch", SourceKind.NEWS_AGENCY, SourceScale.INTERNATIONAL),
    ("The World Chronicle", SourceKind.NEWSPAPER, SourceScale.INTERNATIONAL),
    ("Crisis Monitor International", SourceKind.NGO, SourceScale.INTERNATIONAL),
    ("Human Rights Observatory International", SourceKind.NGO, SourceScale.INTERNATIONAL),
    ("Conflict Watch Network", SourceKind.PARTNER, SourceScale.INTERNATIONAL),
    ("UN Office for Humanitarian Coordination", SourceKind.OTHER, SourceScale.INTERNATIONAL),
    ("Open Source Conflict Collective", SourceKind.SOCIAL_MEDIA, SourceScale.NEW_MEDIA),
    ("Continental Radio", SourceKind.BROADCASTER, SourceScale.REGIONAL),
    ("Regional Security Bulletin", SourceKind.PARTNER, SourceScale.REGIONAL),
    ("Gulf and Levant Wire", SourceKind.NEWS_AGENCY, SourceScale.REGIONAL),
    ("Sahel Security Review", SourceKind.NEWSPAPER, SourceScale.REGIONAL),
    ("Andean Observer", SourceKind.NEWSPAPER, SourceScale.REGIONAL),
    ("Eastern Europe Daily", SourceKind.NEWSPAPER, SourceScale.REGIONAL),
    ("South Asia Desk", SourceKind.NEWS_AGENCY, SourceScale.REGIONAL),
    ("Horn of Africa Monitor", SourceKind.PARTNER, SourceScale.REGIONAL),
    ("Great Lakes Radio", SourceKind.BROADCASTER, SourceScale.REGIONAL),
    ("Mekong Report", SourceKind.NEWSPAPER, SourceScale.REGIONAL),
    ("Refugee Aid Network", SourceKind.NGO, SourceScale.INTERNATIONAL),
    ("Amnesty Watch", SourceKind.NGO, SourceScale.INTERNATIONAL),
    ("Press Freedom Alliance", SourceKind.NGO, SourceScale.INTERNATIONAL),
    ("Geo-Verified Footage Archive", SourceKind.SOCIAL_MEDIA, SourceScale.NEW_MEDIA_INTERNATIONAL),
    ("Global Protest Tracker", SourceKind.PARTNER, SourceScale.OTHER_INTERNATIONAL),
)
NATIONAL_SOURCE_PATTERNS = (
    ("{c} News Agency", SourceKind.NEWS_AGENCY, SourceScale.NATIONAL),
    ("The {t} Times", SourceKind.NEWSPAPER, SourceScale.NATIONAL),
    ("{t} Daily", SourceKind.NEWSPAPER, SourceScale.SUBNATIONAL),
    ("The {t} Herald", SourceKind.NEWSPAPER, SourceScale.SUBNATIONAL_NATIONAL),
    ("Radio {t}", SourceKind.BROADCASTER, SourceScale.LOCAL),
    ("{c} Broadcasting Corporation", SourceKind.BROADCASTER, SourceScale.NATIONAL),
    ("{c} Human Rights Observatory", SourceKind.NGO, SourceScale.NATIONAL),
    ("Ministry of Interior of {c}", SourceKind.GOVERNMENT, SourceScale.NATIONAL),
    ("{t} Local Monitors", SourceKind.PARTNER, SourceScale.LOCAL_PARTNER),
    ("{c} Witness (social media)", SourceKind.SOCIAL_MEDIA, SourceScale.NEW_MEDIA_NATIONAL),
    ("{t} Tribune", SourceKind.NEWSPAPER, SourceScale.LOCAL_NATIONAL),
    ("{c} Security Updates", SourceKind.OTHER, SourceScale.OTHER_NATIONAL),
)

TOPICS = (
    "rising fuel prices",
    "unpaid salaries",
    "repeated power cuts",
    "the arrest of a local journalist",
    "the results of the local elections",
    "land expropriation by a mining company",
    "the killing of a young man by security forces",
    "water shortages in several neighbourhoods",
    "corruption in the municipal administration",
    "a new tax on market traders",
    "delays in pension payments",
    "insecurity on the main road",
    "the closure of a textile factory",
    "police brutality",
    "the rising cost of living",
    "the detention of opposition activists",
    "a proposed constitutional amendment",
    "higher university fees",
    "the price of bread",
    "the government's response to the floods",
    "the eviction of street vendors",
    "a court ruling on land ownership",
    "gender-based violence",
    "the lack of medicine in the district hospital",
    "a planned dam on the river",
)
TARGETS = (
    "a market",
    "a checkpoint",
    "residential areas",
    "a military base",
    "a village",
    "a convoy",
    "farmland",
    "a bus station",
    "an army post",
    "a fuel depot",
    "a bridge",
    "a police station",
    "a power station",
    "a displacement camp",
)
WEAPONS = (
    "mortars",
    "artillery",
    "rockets",
    "heavy machine guns",
    "tank fire",
    "multiple rocket launchers",
    "missiles",
)
VICTIMS = (
    "a farmer",
    "a local chief",
    "two herders",
    "a teacher",
    "a journalist",
    "a family of four",
    "a shop owner",
    "a health worker",
    "a displaced man",
    "a student",
    "three traders",
    "a minibus driver",
    "a village elder",
    "two fishermen",
    "a former soldier",
    "an aid worker",
)
MOTIVES = (
    "accusing them of collaborating with the enemy",
    "after they refused to pay a levy",
    "in an apparent revenge attack",
    "for reasons that remain unclear",
    "during a raid on the village",
    "while they were returning from the market",
    "over a dispute about grazing land",
)
DETAILS = (
    "Heavy weapons were used and several houses were damaged.",
    "The fighting followed a dispute over control of a checkpoint.",
    "Both sides claimed to have inflicted heavy losses.",
    "Reinforcements were reportedly sent from the provincial capital.",
    "Residents fled to nearby villages as the violence spread.",
    "The road linking the town to the capital was closed for two days.",
    "Local sources said the area had been calm for several months before the incident.",
    "Medical teams struggled to reach the wounded.",
    "The incident was reported by several local outlets and confirmed by residents.",
    "Security was tightened across the district afterwards.",
    "Humanitarian organisations suspended their activities in the area.",
    "The authorities announced an investigation into the incident.",
)
PROTEST_DETAILS = (
    "The protesters later dispersed peacefully.",
    "Organisers called for further demonstrations next week.",
    "Shops along the main street closed during the gathering.",
    "The protest was organised by a local civil society coalition.",
    "Speakers called on the governor to resign.",
    "Participants carried banners and chanted slogans in front of the town hall.",
    "A similar gathering took place in the provincial capital the same day.",
    "The march ended with the delivery of a petition to local officials.",
    "Security forces were deployed around the site but did not intervene.",
)
# sub_event_type -> (share of events with no fatality, lognormal mu, sigma) for the rest.
FATALITY_SHAPES: dict[str, tuple[float, float, float]] = {
    S.ARMED_CLASH: (0.45, 1.0, 1.1),
    S.GOVERNMENT_REGAINS_TERRITORY: (0.3, 1.5, 1.2),
    S.NON_STATE_ACTOR_OVERTAKES_TERRITORY: (0.3, 1.5, 1.2),
    S.AIR_DRONE_STRIKE: (0.5, 0.9, 1.1),
    S.SHELLING: (0.6, 0.6, 1.0),
    S.SUICIDE_BOMB: (0.2, 1.8, 1.0),
    S.REMOTE_EXPLOSIVE: (0.5, 0.6, 0.9),
    S.GRENADE: (0.7, 0.3, 0.7),
    S.CHEMICAL_WEAPON: (0.4, 1.5, 1.3),
    S.ATTACK: (0.25, 0.2, 0.8),
    S.ABDUCTION: (0.97, 0.0, 0.5),
    S.SEXUAL_VIOLENCE: (0.97, 0.0, 0.5),
    S.PROTEST_WITH_INTERVENTION: (0.98, 0.0, 0.4),
    S.EXCESSIVE_FORCE: (0.6, 0.4, 0.8),
    S.VIOLENT_DEMONSTRATION: (0.95, 0.0, 0.6),
    S.MOB_VIOLENCE: (0.55, 0.0, 0.6),
    S.LOOTING: (0.96, 0.0, 0.5),
}
DURATIONS = ("several hours", "two days", "a week", "three days", "the whole night", "several weeks")
ARREST_GROUPS = (
    "suspected members of an armed group",
    "opposition activists",
    "protesters",
    "journalists",
    "students",
    "alleged smugglers",
    "local officials accused of corruption",
)
MONTHS = tuple(calendar.month_name)

# Notes: one template per sub-event type is drawn, then its {slots} are filled from the pools
# below (drawn only when used, so the random stream does not depend on unused slots).
NOTE_TEMPLATES: dict[str, tuple[str, ...]] = {
    S.PEACEFUL_PROTEST: ("{when}, {crowd} {protested} {where} {over} {topic}.",),
    S.PROTEST_WITH_INTERVENTION: (
        "{when}, {crowd} {protested} {where} {over} {topic}. "
        "{a2} dispersed the crowd with {means} and arrested {few} people.",
    ),
    S.EXCESSIVE_FORCE: (
        "{when}, {crowd} {protested} {where} {over} {topic}. {a2} opened fire on the protesters.",
        "{when}, {crowd} {protested} {where} {over} {topic}. {a2} beat and shot at the demonstrators.",
    ),
    S.VIOLENT_DEMONSTRATION: ("{when}, rioters {riot_act} {where} {riot_over} {topic}.{reaction}",),
    S.MOB_VIOLENCE: ("{when}, a mob {mob_act} {victim} {where}, accusing them of {accusation}.",),
    S.ARMED_CLASH: (
        "{when}, {a1} clashed with {a2} {where}.",
        "{when}, {a1} and {a2} exchanged fire {where} for {duration}.",
        "{when}, {a1} attacked positions of {a2} {where}, sparking clashes.",
        "{when}, {a1} ambushed a patrol of {a2} {where}.",
    ),
    S.GOVERNMENT_REGAINS_TERRITORY: (
        "{when}, {a1} regained control of {place} ({admin1}) from {a2} after {duration} of fighting.",
    ),
    S.NON_STATE_ACTOR_OVERTAKES_TERRITORY: (
        "{when}, {a1} took control of {place} ({admin1}) after {a2} withdrew following clashes.",
    ),
    S.AIR_DRONE_STRIKE: ("{when}, {a1} {strike} {hit} {where}.",),
    S.SHELLING: ("{when}, {a1} shelled {hit} {where} with {weapon}.",),
    S.REMOTE_EXPLOSIVE: ("{when}, an IED planted by {a1} exploded {where}, hitting {hit}.",),
    S.SUICIDE_BOMB: ("{when}, a suicide bomber from {a1} detonated an explosive vest at {target} {where}.",),
    S.GRENADE: ("{when}, {a1} threw a grenade at {hit} {where}.",),
    S.CHEMICAL_WEAPON: ("{when}, {a1} reportedly used chlorine-filled munitions against {hit} {where}.",),
    S.ATTACK: ("{when}, {a1} {attacked} {victim} {where} {motive}.",),
    S.ABDUCTION: ("{when}, {a1} abducted {victim} {where}; {abduction_end}.",),
    S.SEXUAL_VIOLENCE: ("{when}, {a1} sexually assaulted a woman {where}.",),
    S.ARRESTS: ("{when}, {a1} arrested {many} {arrested} {where}.",),
    S.LOOTING: ("{when}, {a1} looted shops and burned houses {where}.",),
    S.DISRUPTED_WEAPONS_USE: ("{when}, {a1} {seized} {where}.",),
    S.CHANGE_TO_GROUP: ("{when}, {a1} {group_change}.",),
    S.HEADQUARTERS_ESTABLISHED: ("{when}, {a1} established a new base {where}.",),
    S.AGREEMENT: ("{when}, {a1} and {a2} signed a {deal} agreement {where}.",),
    S.NON_VIOLENT_TRANSFER: (
        "{when}, {a2} withdrew from {place} and {a1} took over the area without fighting.",
    ),
    S.OTHER: ("{when}, {a1} {show_of_force} {where}.",),
}
WHERE_TEMPLATES = (
    "in {place} ({area})",
    "near {place} ({admin1})",
    "in {place} town, {admin1}",
    "on the outskirts of {place} ({area})",
    "at a checkpoint near {place} ({admin1})",
    "in {place} village, {area} district",
)
WORD_POOLS: dict[str, tuple[str, ...]] = {
    "topic": TOPICS,
    "target": TARGETS,
    "weapon": WEAPONS,
    "victim": VICTIMS,
    "motive": MOTIVES,
    "duration": DURATIONS,
    "arrested": ARREST_GROUPS,
    "crowd": (
        "residents",
        "traders",
        "students",
        "workers",
        "supporters of the opposition",
        "women",
        "teachers",
        "farmers",
    ),
    "protested": ("protested", "demonstrated", "held a sit-in", "staged a march", "gathered"),
    "over": ("over", "against", "to denounce", "to demand action on"),
    "riot_over": ("over", "in protest against"),
    "means": ("tear gas", "batons", "water cannon", "warning shots"),
    "riot_act": ("burned tyres", "threw stones", "blocked roads", "set vehicles on fire"),
    "police_act": ("fired tear gas", "intervened", "dispersed the rioters"),
    "mob_act": ("beat", "attacked", "lynched", "set upon"),
    "accusation": ("theft", "witchcraft", "kidnapping a child", "blasphemy", "cattle rustling"),
    "strike": ("conducted air strikes on", "carried out a drone strike on", "bombed"),
    "attacked": ("shot", "attacked", "stabbed", "killed"),
    "abduction_end": (
        "a ransom was demanded",
        "their whereabouts remain unknown",
        "they were released two days later",
    ),
    "seized": (
        "defused an IED",
        "seized a weapons cache",
        "intercepted a truck carrying explosives",
    ),
    "group_change": (
        "announced a new leader",
        "declared a merger with another group",
        "announced a unilateral ceasefire",
        "was designated a terrorist organisation",
    ),
    "deal": ("ceasefire", "prisoner exchange", "local truce"),
    "show_of_force": (
        "held a military parade",
        "organised a recruitment drive",
        "imposed a curfew",
        "distributed leaflets",
    ),
    "size": ("no report", "no report", "no report", "hundreds", "dozens", "around {crowd_size}"),
}
FATALITY_SENTENCES = (
    ("1 fatality.", "{n} fatalities."),
    ("1 person was killed.", "{n} people were killed."),
    ("At least 1 fatality was reported.", "At least {n} fatalities were reported."),
    ("1 killed and several injured.", "{n} killed and several injured."),
)
NO_FATALITY_SENTENCES = ("No fatalities reported.", "Casualties unknown.", "No casualties were reported.")
