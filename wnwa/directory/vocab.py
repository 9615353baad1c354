"""The fixed vocabularies of a peer-supporter profile: codes stored, labels shown."""

from __future__ import annotations

from wnwa.us_states import STATE_NAMES as STATE_NAMES  # the state filter reads it here

ASSIGNMENTS: dict[str, str] = {
    "patrol": "Patrol",
    "detective": "Detective / investigations",
    "swat": "SWAT / tactical",
    "k9": "K9",
    "traffic": "Traffic",
    "corrections": "Corrections / jail",
    "dispatch": "Dispatch / communications",
    "supervisor": "Supervisor / command",
    "narcotics": "Narcotics / vice",
    "school": "School resource",
    "training": "Training / academy",
    "crisis": "Crisis intervention / negotiation",
}

TOPICS: dict[str, str] = {
    "critical": "Critical incident / officer-involved shooting",
    "lineofduty": "Line-of-duty death of a partner",
    "family": "Divorce, marriage and family",
    "substance": "Substance use and recovery",
    "military": "Military and veterans",
    "injury": "Injury and disability",
    "grief": "Grief and loss",
    "suicide": "Suicide loss or attempt survivor",
    "stress": "Stress, burnout and sleep",
    "discipline": "Internal investigation and discipline",
    "financial": "Financial stress",
    "retirement": "Retirement and career change",
    "parenting": "Parenting and child loss",
    "health": "Illness and health scares",
}

# Extra words indexed with each topic so that everyday search terms find it.
TOPIC_KEYWORDS: dict[str, str] = {
    "critical": "trauma ptsd shooting ois use of force",
    "lineofduty": "partner killed lodd fallen officer",
    "family": "divorce separation custody marriage spouse",
    "substance": "alcohol drinking drugs addiction sobriety aa",
    "military": "veteran army navy marines air force deployment",
    "injury": "hurt disability chronic pain",
    "grief": "bereavement death loss",
    "suicide": "suicidal survivor",
    "stress": "anxiety burnout insomnia",
    "discipline": "ia complaint investigation lawsuit",
    "financial": "money debt",
    "retirement": "retired career transition",
    "parenting": "children kids",
    "health": "cancer illness diagnosis",
}

LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "asl": "American Sign Language",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "tl": "Tagalog",
    "ar": "Arabic",
    "fr": "French",
    "ko": "Korean",
    "ru": "Russian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ht": "Haitian Creole",
    "de": "German",
    "it": "Italian",
    "hi": "Hindi",
}

GENDERS: dict[str, str] = {
    "woman": "Woman",
    "man": "Man",
    "nonbinary": "Non-binary",
}

CAREERS: dict[str, str] = {"active": "Active duty", "retired": "Retired"}

STATUS_NOW, STATUS_LATER, STATUS_AWAY, STATUS_PAUSED = "now", "later", "away", "paused"
STATUSES: dict[str, str] = {
    STATUS_NOW: "Available now",
    STATUS_LATER: "Available later today",
    STATUS_AWAY: "Away",
    STATUS_PAUSED: "Paused",
}
NOW_HOURS = (1, 2, 4, 8, 12)
PAUSE_DEFAULT_DAYS = 30
MAX_AWAY_DAYS = 90


def labels(vocabulary: dict[str, str], codes: str) -> list[str]:
    """Labels for a space-separated string of codes, in vocabulary order. Not cached: a cache
    keyed by the codes of the listings shown would keep a trace of what officers were shown."""
    order = _ORDER[id(vocabulary)]
    known = [order[code] for code in set(codes.split()) if code in order]
    known.sort()
    return [label for _, label in known]


# code -> (position, label) for each vocabulary
_ORDER = {
    id(v): {code: (n, label) for n, (code, label) in enumerate(v.items())}
    for v in (ASSIGNMENTS, TOPICS, LANGUAGES, GENDERS, CAREERS, STATUSES)
}
