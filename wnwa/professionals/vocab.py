"""The professional directory's fixed vocabularies: code -> label, in display order.

Codes are what the database and the search filters hold; labels are what people read.
"""

from __future__ import annotations

from datetime import datetime

from wnwa.us_states import NETWORK_ZONE, STATE_NAMES, TERRITORIES, local_time

# Assessments are arranged in the network's own time zone (NETWORK_ZONE: its office visits are
# in the Chicago metro): vetters type and read Central time; the database keeps UTC.


def assessment_time(at: datetime) -> str:
    """An assessment's time as people read it, in Central time: "Dec 10, 2026, 9:00 AM CST"."""
    return local_time(at)


def assessment_input(at: datetime | None) -> str:
    """The value of the form's datetime-local field (Central time)."""
    return at.astimezone(NETWORK_ZONE).strftime("%Y-%m-%dT%H:%M") if at else ""


LICENSE_TYPES = {
    "psychologist": "Psychologist (PhD/PsyD)",
    "psychiatrist": "Psychiatrist (MD/DO)",
    "lcsw": "Licensed clinical social worker (LCSW)",
    "lcpc": "Licensed clinical professional counselor (LCPC/LPC)",
    "lmft": "Licensed marriage and family therapist (LMFT)",
    "pmhnp": "Psychiatric nurse practitioner (PMHNP)",
    "ladc": "Licensed addiction counselor (LADC/CADC)",
}

SPECIALTIES = {
    "ptsd": "PTSD and trauma",
    "critical": "Critical incidents",
    "substance": "Substance use",
    "couples": "Couples and family",
    "grief": "Grief and loss",
    "anxiety": "Anxiety and depression",
    "sleep": "Sleep",
    "moral": "Moral injury",
    "anger": "Anger and stress",
    "suicide": "Suicidal thoughts",
}

MODALITIES = {
    "emdr": "EMDR",
    "cbt": "CBT",
    "cpt": "Cognitive processing therapy (CPT)",
    "pe": "Prolonged exposure (PE)",
    "dbt": "DBT",
    "act": "Acceptance and commitment therapy (ACT)",
    "cbti": "CBT for insomnia (CBT-I)",
    "medication": "Medication management",
}

CARRIERS = {
    "bcbs": "Blue Cross Blue Shield",
    "aetna": "Aetna",
    "cigna": "Cigna",
    "uhc": "UnitedHealthcare",
    "humana": "Humana",
    "kaiser": "Kaiser Permanente",
    "tricare": "TRICARE",
    "medicare": "Medicare",
    "medicaid": "Medicaid",
    "magellan": "Magellan",
}

PLAN_TYPES = {
    "ppo": "PPO",
    "hmo": "HMO",
    "epo": "EPO",
    "pos": "POS",
    "eap": "EAP",
    "self_pay": "Self-pay",
    "sliding": "Sliding scale",
}

DOCUMENT_KINDS = {
    "license": "License",
    "cv": "CV",
    "malpractice": "Malpractice insurance",
    "reference": "Reference",
}

# Where a professional may hold a license: the states, DC and Puerto Rico.
US_STATES = {code: name for code, name in STATE_NAMES.items() if code not in TERRITORIES}

RADII = (10, 25, 50, 100)

# Search tags: one prefix per multi-valued field (professional_tag rows).
TAG_FIELDS = {
    "sp": SPECIALTIES,
    "md": MODALITIES,
    "ins": CARRIERS,
    "plan": PLAN_TYPES,
}


def labels(codes: list[str], vocabulary: dict[str, str]) -> list[str]:
    return [vocabulary[c] for c in codes if c in vocabulary]
