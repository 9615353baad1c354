"""A starter library and a few news posts for the demo network (`flask demo seed`)."""

from __future__ import annotations

from datetime import date, timedelta

from wnwa.extensions import db
from wnwa.resources.models import DRAFT, PUBLISHED, NewsPost, Resource
from wnwa.resources.services import slug_for

LIBRARY = [
    # (kind, category, title, summary, url, phone, body)
    (
        "national_service",
        "suicide_prevention",
        "988 Suicide & Crisis Lifeline",
        "Call or text 988, any hour, for yourself or someone you are worried about.",
        "https://988lifeline.org",
        "988",
        "Free and confidential, 24 hours a day. Press 1 for the Veterans Crisis Line.",
    ),
    (
        "national_service",
        "stress",
        "Copline",
        "A confidential line for officers and their families, answered by retired officers.",
        "https://copline.org",
        "1-800-267-5463",
        "Copline's listeners are retired law-enforcement officers trained in active listening. "
        "Calls are confidential and anonymous.",
    ),
    (
        "national_service",
        "critical_incidents",
        "Safe Call Now",
        "Confidential referrals for public-safety employees and their families, 24/7.",
        "https://www.safecallnowusa.org",
        "1-206-459-3020",
        "",
    ),
    (
        "national_service",
        "substance_use",
        "SAMHSA National Helpline",
        "Treatment referral and information about substance use, in English and Spanish.",
        "https://www.samhsa.gov/find-help/national-helpline",
        "1-800-662-4357",
        "Free, confidential, 24 hours a day, 365 days a year.",
    ),
    (
        "national_service",
        "grief",
        "Concerns of Police Survivors (C.O.P.S.)",
        "Support for the families and coworkers of officers who died in the line of duty.",
        "https://www.concernsofpolicesurvivors.org",
        "",
        "",
    ),
    (
        "local_service",
        "family",
        "NAMI Chicago Helpline",
        "Help finding mental-health care in Chicago and Cook County, for you or your family.",
        "https://www.namichicago.org",
        "1-833-626-4244",
        "",
    ),
    (
        "guide",
        "critical_incidents",
        "After a critical incident: the first 72 hours",
        "What is normal to feel after a shooting, a child death or a bad crash, and what helps.",
        "",
        "",
        "## What you may notice\n\n"
        "- Replaying the scene, or gaps in what you remember\n"
        "- Trouble sleeping, a racing heart, feeling on edge or numb\n"
        "- Irritability with the people closest to you\n\n"
        "These are **normal reactions to an abnormal event**, and for most officers they ease "
        "over days to weeks.\n\n"
        "## What helps\n\n"
        "1. Sleep, food and water before anything else.\n"
        "2. Talk to someone who has been there: a peer supporter from another department is one "
        "call away on this portal.\n"
        "3. Keep alcohol out of the first nights.\n"
        "4. Tell your family what happened in the amount of detail you choose.\n\n"
        "If the reactions get stronger after a month, see a professional from the network's list.",
    ),
    (
        "guide",
        "sleep",
        "Sleeping after nights: a shift worker's guide",
        "Practical steps for better day sleep and for the switch back to days off.",
        "",
        "",
        "## Make the room work for you\n\n"
        "Blackout curtains, a cool room and a phone on do-not-disturb do more than any pill.\n\n"
        "## Protect the anchor\n\n"
        "Keep four hours of sleep at the same time every day, on and off shift; move the rest.\n\n"
        "## Caffeine and the drive home\n\n"
        "Stop caffeine six hours before you plan to sleep, and wear sunglasses on the way home.",
    ),
    (
        "article",
        "family",
        "Bringing the job home, or not",
        "How partners and children experience the job, and how to talk about it at home.",
        "",
        "",
        "Families often feel the job before they hear about it: the late nights, the silence "
        "after a bad call, the hypervigilance at a restaurant. A short check-in when you get "
        "home (*how are you, and what do you need from me tonight?*) goes a long way.\n\n"
        "Many departments' peer supporters also talk with spouses; ask one.",
    ),
    (
        "guide",
        "finances",
        "Money stress: first steps",
        "Overtime swings, debt and a single income: where to start.",
        "",
        "",
        "1. Write down what comes in and goes out for one month, overtime apart.\n"
        "2. Build the budget on base pay only; let overtime pay down debt.\n"
        "3. Ask your union or credit union about free financial counselling.\n\n"
        "Money trouble is one of the most common reasons officers call a peer: you would not be "
        "the first.",
    ),
    (
        "article",
        "substance_use",
        "When the off-duty drink becomes a problem",
        "Signs to watch for in yourself or a partner, and confidential ways to get help.",
        "",
        "",
        "Drinking to sleep, to come down after shift or to stop thinking about a call is a "
        "sign to pay attention to. So is hiding how much you drink.\n\n"
        "Help is confidential: the SAMHSA National Helpline, a professional from the network's "
        "list, or a peer supporter who has been there.",
    ),
    (
        "podcast",
        "stress",
        "Officer wellness podcasts and talks",
        "Officers and clinicians on stress, sleep, relationships and recovery.",
        "https://cops.usdoj.gov/oswellness",
        "",
        "A collection of talks and podcast episodes from the U.S. Department of Justice's COPS "
        "Office officer safety and wellness program.",
    ),
    (
        "video",
        "critical_incidents",
        "Short videos on trauma, sleep and coping",
        "Short videos from the VA's National Center for PTSD: what trauma does and what helps.",
        "https://www.ptsd.va.gov/appvid/video/index.asp",
        "",
        "Made for veterans, and just as true for officers: each video is a few minutes long.",
    ),
    (
        "article",
        "retirement",
        "Retirement: who am I without the badge?",
        "The identity side of leaving the job, and planning for it years ahead.",
        "",
        "",
        "Retirement planning is usually about pensions. Just as important is what replaces the "
        "purpose, structure and team the job gave you. Start a hobby, a second career or "
        "volunteering **before** your last day, and stay in touch with your squad.",
    ),
]

NEWS = [
    (
        "Peer-support class registration is open",
        "Chiefs can reserve seats for the next three-day class on the portal.",
        "Registration is open for the network's next peer-support class. Chiefs reserve seats "
        "on the *Peer support* page; officers can ask their chief for a seat from *My training*."
        "\n\nClasses fill quickly; names go on the waiting list when a class is full.",
        3,
    ),
    (
        "Welcome to our newest member departments",
        "More officers can now reach peer supporters across the network.",
        "The network grew again this quarter. Every officer in a member department has their "
        "own confidential sign-in, and every new department's peer supporters join the pool "
        "once they are certified.",
        20,
    ),
    (
        "New in the library: sleep and shift work",
        "A practical guide to day sleep after nights.",
        "We added a guide to sleeping after night shifts. Find it under "
        "[Resources](/resources/?category=sleep).",
        35,
    ),
]


def seed_resources(today: date) -> None:
    for n, (kind, category, title, summary, url, phone, body) in enumerate(LIBRARY):
        db.session.add(
            Resource(
                slug=slug_for(title),
                kind=kind,
                category=category,
                title=title,
                summary=summary,
                url=url,
                phone=phone,
                body=body,
                state=PUBLISHED,
                publish_on=today - timedelta(days=60 - n),
                updated_by="staff network-admin@wnwa.demo",
            )
        )
    db.session.add(
        Resource(
            slug="holiday-season-stress-draft",
            kind="article",
            category="stress",
            title="Holiday season stress (draft)",
            summary="Working holidays, missed family events and how to handle them.",
            body="To be written.",
            state=DRAFT,
            publish_on=today + timedelta(days=14),
            updated_by="staff network-admin@wnwa.demo",
        )
    )
    for title, summary, body, days_ago in NEWS:
        db.session.add(
            NewsPost(
                slug=slug_for(title),
                title=title,
                summary=summary,
                body=body,
                state=PUBLISHED,
                publish_on=today - timedelta(days=days_ago),
                updated_by="staff network-admin@wnwa.demo",
            )
        )
    db.session.commit()
