"""Synthetic survivors for the demo. Faker invents every name; no real person, ever."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker

from aftercare.access import access_grant
from aftercare.demo import acting_as, demo_seeder
from aftercare.models import Organization, User
from survivors.models import (
    Consent,
    DataCategory,
    Engagement,
    Indicator,
    Need,
    Purpose,
    Referral,
    Survivor,
    TraffickingKind,
)
from survivors.services import survivor_create
from survivors.services.engagement import engagement_initial, engagement_record
from survivors.services.sharing import consent_record, goal_add, referral_move, referral_send

# Locales chosen for the languages and origins survivors commonly have.
_LOCALES = [
    "es_MX",
    "es_CO",
    "en_US",
    "ru_RU",
    "uk_UA",
    "th_TH",
    "vi_VN",
    "fil_PH",
    "ro_RO",
    "pt_BR",
    "fr_FR",
    "zh_CN",
]
_LANGUAGE = {
    "es": "Spanish",
    "en": "English",
    "ru": "Russian",
    "uk": "Ukrainian",
    "th": "Thai",
    "vi": "Vietnamese",
    "fil": "Tagalog",
    "ro": "Romanian",
    "pt": "Portuguese",
    "fr": "French",
    "zh": "Mandarin",
}


def _person(fake_by_locale: dict[str, Faker], rng: random.Random, today: date) -> tuple[dict, list]:
    locale = rng.choice(_LOCALES)
    fake = fake_by_locale[locale]
    minor = rng.random() < 0.3
    age_days = rng.randint(13 * 365, 17 * 365) if minor else rng.randint(19 * 365, 55 * 365)
    legal_name = fake.name()
    language = _LANGUAGE[locale.split("_")[0]]
    data = {
        "legal_name": legal_name,
        "preferred_name": fake.first_name() if rng.random() < 0.3 else "",
        "date_of_birth": today - timedelta(days=age_days),
        "gender": rng.choice(["female", "male", "non-binary", "female", "female"]),
        "country_of_origin": fake.current_country()
        if hasattr(fake, "current_country")
        else locale.split("_")[1],
        "languages": f"{language} (native)" + (", English (basic)" if rng.random() < 0.4 else ""),
        "interpreter_needed": language != "English" and rng.random() < 0.8,
        "safety_situation": "Staying at a partner shelter; trafficker's associates live nearby.",
        "safe_location": f"Shelter room {rng.randint(1, 30)}, {fake.street_address()}",
    }
    if minor:
        data["guardian_name"] = f"Child Protective Services caseworker {fake.last_name()}"
    data["trafficking_kinds"] = rng.sample(TraffickingKind.values, k=1 + (minor and 1))
    data["indicators"] = rng.sample(Indicator.values, k=rng.randint(1, 3))
    data["needs"] = rng.sample([n for n in Need.values if n != "legal"], k=rng.randint(1, 3))
    if rng.random() < 0.6:
        data["needs"].append(Need.LEGAL)
    aliases = [fake.name() for _ in range(rng.choice([0, 0, 1, 2]))]
    return data, aliases


@demo_seeder(floor=1, reports="Created {} synthetic survivors.")
def demo_seed_survivors() -> int:
    """About 40 survivors at Safe Haven and Harbor; assigned survivors for the Harbor staff.

    Idempotent: an organization that already has survivors gets no more.
    """
    rng = random.Random(2026)  # noqa: S311  (synthetic data, not security)
    fake_by_locale = {locale: Faker(locale) for locale in _LOCALES}
    for n, fake in enumerate(fake_by_locale.values()):
        fake.seed_instance(2026 + n)
    today = timezone.localdate()
    plan = [
        ("Safe Haven Shelter", "intake@safehaven.example", 30),
        ("Harbor Legal Aid", "coordinator@harbor.example", 10),
    ]
    created = 0
    with transaction.atomic():
        for org_name, recorder_email, count in plan:
            organization = Organization.objects.get(name=org_name)
            if Survivor.objects.filter(organization=organization).exists():
                continue
            recorder = acting_as(recorder_email, org_name).actor
            for _ in range(count):
                data, aliases = _person(fake_by_locale, rng, today)
                survivor_create(
                    actor=recorder, organization=organization, data=data, aliases=aliases
                )
                created += 1
        _demo_referrals()
        _demo_engagement()
        harbor = Survivor.objects.filter(organization__name="Harbor Legal Aid").order_by("id")
        assigned = {"attorney@harbor.example": harbor[:4], "paralegal@harbor.example": harbor[:2]}
        for email, survivors in assigned.items():
            user = User.objects.get(email=email)
            for survivor in survivors:
                access_grant(user=user, obj=survivor, actions=("view",))
        _demo_communications()
        _demo_correction()
    return created


def _demo_correction() -> None:
    """Safe Haven's intake worker corrects the languages of its first survivor, who is
    shared with Harbor: both see the change in the record's history (Harbor because its
    consent covers identity)."""
    from aftercare.history import FieldChange
    from survivors.services.record import survivor_record_correct

    if FieldChange.objects.filter(object_type=Survivor._meta.label_lower).exists():
        return
    intake = acting_as("intake@safehaven.example", "Safe Haven Shelter").actor
    survivor = (
        Survivor.objects.filter(organization=intake.organization, status=Survivor.Status.ACTIVE)
        .order_by("id")
        .first()
    )
    if survivor is None:
        return
    spoken = survivor.languages or "Spanish (native)"
    survivor_record_correct(
        actor=intake, survivor=survivor, data={"languages": f"{spoken}, English (basic)"}
    )


# Which of the referred survivors (in order) are shared without identity, and engaged.
WITHOUT_IDENTITY, ENGAGED = 1, 2


def _demo_engagement() -> None:
    """Harbor's coordinator records that one referred client engaged Harbor: its client
    file begins, prefilled from what the consent shared."""
    if Engagement.objects.exists():
        return
    coordinator = acting_as("coordinator@harbor.example", "Harbor Legal Aid")
    referred = Survivor.objects.filter(
        referrals__to_organization=coordinator.membership.organization
    ).order_by("id")
    client = referred[ENGAGED]
    data = engagement_initial(actor=coordinator.actor, survivor=client)
    engagement_record(
        actor=coordinator.actor,
        survivor=client,
        data={
            **data,
            "engaged_on": timezone.localdate() - timedelta(days=3),
            "scope": "T visa and related immigration matters",
            "letter_signed": True,
            "letter_signed_on": timezone.localdate() - timedelta(days=3),
        },
    )


def _demo_referrals() -> None:
    """Consents and referrals from Safe Haven to Harbor for a dozen survivors, if none exist."""
    if Referral.objects.exists():
        return
    intake = acting_as("intake@safehaven.example", "Safe Haven Shelter").actor
    harbor_coordinator = acting_as("coordinator@harbor.example", "Harbor Legal Aid").actor
    harbor = harbor_coordinator.membership.organization
    survivors = Survivor.objects.filter(organization__name="Safe Haven Shelter").order_by("id")
    for n, survivor in enumerate(survivors[:12]):
        consent_record(
            actor=intake,
            survivor=survivor,
            data={
                "recipient": harbor,
                "purpose": Purpose.LEGAL_REPRESENTATION,
                # One survivor is shared without identity: Harbor works her matter
                # under a pseudonym and sees why her name is not printed.
                "categories": [DataCategory.NEEDS]
                if n == WITHOUT_IDENTITY
                else [DataCategory.IDENTITY, DataCategory.SITUATION, DataCategory.NEEDS],
                "method": Consent.Method.WRITTEN,
                "given_on": timezone.localdate(),
                "minor_assent": survivor.is_minor,
                "guardian_consent_by": survivor.guardian_name if survivor.is_minor else "",
            },
        )
        if n % 4 != 3:
            # Most also agree to be counted in Harbor's reports; the report says how
            # many of the rest it left out, and why.
            consent_record(
                actor=intake,
                survivor=survivor,
                data={
                    "recipient": harbor,
                    "purpose": Purpose.REPORTING,
                    "categories": [DataCategory.NEEDS],
                    "method": Consent.Method.WRITTEN,
                    "given_on": timezone.localdate(),
                    "minor_assent": survivor.is_minor,
                    "guardian_consent_by": survivor.guardian_name if survivor.is_minor else "",
                },
            )
        referral = referral_send(
            actor=intake,
            survivor=survivor,
            to_organization=harbor,
            purpose=Purpose.LEGAL_REPRESENTATION,
            need=Need.LEGAL,
        )
        if n % 3 != 0:
            referral_move(
                actor=harbor_coordinator, referral=referral, status=Referral.Status.ACCEPTED
            )
        if n < 4:
            goal_add(
                actor=intake,
                survivor=survivor,
                need=survivor.needs[0],
                description="First appointment booked and attended",
            )


def _past_moment(zone, *, weekday: int, hour: int, weeks_back: int = 0) -> datetime:
    """The last `weekday` (1 = Monday) before today, at `hour` in `zone`."""
    day = timezone.localdate() - timedelta(days=1)
    while day.isoweekday() != weekday:
        day -= timedelta(days=1)
    return datetime.combine(day - timedelta(weeks=weeks_back), time(hour), tzinfo=zone)


def _demo_communications() -> int:
    """A Harbor client's safe-contact rules and a few contacts, one of them outbound
    against the rules: refused first, then logged on the coordinator's override."""
    from django.core.exceptions import ValidationError

    from survivors.models import Communication, SafeContact
    from survivors.services.communications import communication_log, organization_zone
    from survivors.services.record import survivor_contacts_save

    if Communication.objects.exists():
        return 0
    coordinator = acting_as("coordinator@harbor.example", "Harbor Legal Aid").actor
    attorney = acting_as("attorney@harbor.example", "Harbor Legal Aid").actor
    harbor = Survivor.objects.filter(organization=coordinator.organization).order_by("id")
    # Harbor's first own survivor, one of the attorney's: the cases demo then opens a
    # matter for her, whose page shows these contacts.
    client = harbor.first()
    if client is None:
        return 0
    zone = organization_zone(coordinator.organization)
    with transaction.atomic():
        if not client.contacts.exists():
            weekdays = [1, 2, 3, 4, 5]
            survivor_contacts_save(
                actor=coordinator,
                survivor=client,
                rules={
                    SafeContact.Channel.PHONE: {
                        "is_safe": True,
                        "allowed_days": weekdays,
                        "allowed_from": time(9),
                        "allowed_until": time(17),
                        "voicemail_allowed": False,
                    },
                    SafeContact.Channel.SMS: {"is_safe": True},
                    SafeContact.Channel.POST: {"is_safe": False},
                },
            )
        entries = [
            (
                attorney,
                {
                    "kind": Communication.Kind.CALL,
                    "direction": Communication.Direction.INBOUND,
                    "channel": Communication.Channel.PHONE,
                    "occurred_at": _past_moment(zone, weekday=2, hour=11, weeks_back=1),
                    "interpreter_language": "Spanish",
                    "summary": "Asked about the next step of her application.\n"
                    "Explained the timeline; she will call back with the documents.",
                },
                "",
            ),
            (
                attorney,
                {
                    "kind": Communication.Kind.MEETING,
                    "direction": Communication.Direction.OUTBOUND,
                    "channel": Communication.Channel.IN_PERSON,
                    "occurred_at": _past_moment(zone, weekday=3, hour=14),
                    "interpreter_language": "Spanish",
                    "summary": "Went through the declaration draft together.",
                },
                "",
            ),
            (
                coordinator,
                {
                    "kind": Communication.Kind.CALL,
                    "direction": Communication.Direction.OUTBOUND,
                    "channel": Communication.Channel.PHONE,
                    "occurred_at": _past_moment(zone, weekday=6, hour=19),
                    "summary": "Called about tomorrow's emergency hearing.",
                },
                "The court moved the hearing to Monday morning: she had to know before then.",
            ),
        ]
        logged = 0
        for actor, data, override in entries:
            try:
                communication_log(actor=actor, survivor=client, data=data)
            except ValidationError:
                # Refused by her rules (a Saturday evening): the coordinator overrides.
                communication_log(actor=actor, survivor=client, data=data, override_reason=override)
            logged += 1
    return logged
