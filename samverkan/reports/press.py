"""The press text: the fact block of the yearly press release, written from the figures.

The Swedish text follows the release in ``shared/seed`` ("FAKTA – Resultat
för år 2021") and Swedish newsroom style: numbers up to twelve in words, a
capital at the start of a sentence, "Samtliga" when everyone was followed
up. The English text says the same. In public mode a suppressed count is
written "färre än fem" / "fewer than five" — never the number.

The sentences are composed here rather than in the translation catalogue,
because their grammar (agreement with the count, "samtliga" / "ingen" /
"N av dem") differs between the languages.
"""

from __future__ import annotations

import datetime as dt

from samverkan.legal.models import Offence
from samverkan.lib import disclosure_control as sdc
from samverkan.lib.swedish_numbers import Language, number
from samverkan.reports.definitions import Figure
from samverkan.reports.report import Headline, Report, Value


def _period(report: Report, language: Language) -> str:
    f = report.period
    if f.start == dt.date(f.start.year, 1, 1) and f.end == dt.date(f.start.year, 12, 31):
        return f"år {f.start.year}" if language == "sv" else f"{f.start.year}"
    if language == "sv":
        return f"perioden {f.start:%Y-%m-%d}–{f.end:%Y-%m-%d}"
    return f"the period {f.start:%Y-%m-%d} to {f.end:%Y-%m-%d}"


def _count(value: Value | None, language: Language, *, start: bool = False, neuter: bool = False) -> str:
    if isinstance(value, sdc.Suppressed) or value is None:
        text = (
            f"färre än {number(value.threshold if value else 5, language='sv')}"
            if language == "sv"
            else f"fewer than {number(value.threshold if value else 5, language='en')}"
        )
        return text[:1].upper() + text[1:] if start else text
    return number(int(value), language=language, start_of_sentence=start, gender="neutrum" if neuter else "utrum")


def _people(value: Value, language: Language, *, start: bool = False) -> str:
    one = not isinstance(value, sdc.Suppressed) and value == 1
    noun = ("person" if one else "personer") if language == "sv" else ("person" if one else "people")
    return f"{_count(value, language, start=start)} {noun}"


def _one(value: Value | None) -> bool:
    """Whether the count is exactly one (the sentence then takes its singular forms)."""
    return not isinstance(value, sdc.Suppressed) and value == 1


def _has(value: Value | None) -> str:
    """The English verb that agrees with the count: "has" for one, else "have"."""
    return "has" if _one(value) else "have"


def _share(h: Headline, language: Language, sv_verb: str, en_verb: str) -> str:
    """The follow-up sentence: everyone, nobody, N of them — or nothing if it is suppressed."""
    total, followed = h.value, h.followed_up
    if isinstance(total, sdc.Suppressed) or isinstance(followed, sdc.Suppressed) or followed is None or total == 0:
        return ""
    if total == 1:  # one person: "Personen har …" / "Personen har inte …"
        if language == "sv":
            return f" Personen har {'' if followed else 'inte '}{sv_verb}."
        return f" They have {'' if followed else 'not '}{en_verb}."
    if followed == total:
        who = "Samtliga har" if language == "sv" else "All of them have"
    elif followed == 0:
        who = "Ingen av dem har" if language == "sv" else "None of them has"
    else:
        who = (
            f"{_count(followed, language, start=True)} av dem har"
            if language == "sv"
            else f"{_count(followed, language, start=True)} of them have"
        )
    return f" {who} {sv_verb if language == 'sv' else en_verb}."


# The offence the buyers' sentences name (BrB 6:11 and its attempt), by its name in the period.
PURCHASE, PURCHASE_ATTEMPT = "brb-6-11", "brb-6-11-forsok"


def _purchase(report: Report, language: Language) -> str:
    """"köp av sexuell tjänst/försök till köp av sexuell tjänst", as the law called it in the period.

    A period that spans a change of name names both, the later from the day it took effect:
    "… (från och med 2025-07-01 köp av sexuell handling/försök till köp av sexuell handling)".
    """
    f = report.period
    offences = {o.key: o for o in Offence.objects.filter(key__in=(PURCHASE, PURCHASE_ATTEMPT)).prefetch_related("names")}
    if PURCHASE not in offences:
        return "köp av sexuell tjänst" if language == "sv" else "a sexual service"
    eras = offences[PURCHASE].names_from(f.start, f.end)
    attempt = offences.get(PURCHASE_ATTEMPT)
    if language == "sv":
        worded = [name + (f"/{attempt.name_on(day)}" if attempt is not None else "") for day, name in eras]
        later = [f"från och med {day:%Y-%m-%d} {text}" for (day, _), text in zip(eras[1:], worded[1:], strict=True)]
    else:
        # English: before 1 July 2025 "a sexual service", from then "a sexual act" (BrB 6:11, prop. 2024/25:124).
        worded = ["a sexual act" if "handling" in name else "a sexual service" for _, name in eras]
        later = [f"from {day:%Y-%m-%d} {text}" for (day, _), text in zip(eras[1:], worded[1:], strict=True)]
    return worded[0] + (f" ({', '.join(later)})" if later else "")


def press_text(report: Report, language: Language = "sv") -> str:
    shifts = report.headline(Figure.JOINT_SHIFTS)
    minors = report.headline(Figure.MINORS)
    adults = report.headline(Figure.ADULTS)
    buyers = report.headline(Figure.BUYERS)
    minor_buyers = report.headline(Figure.MINOR_BUYERS)
    period = _period(report, language)
    areas = ", ".join(report.area_names)
    purchase = _purchase(report, language)
    if language == "sv":
        lines = [
            f"FAKTA – Resultat för {period}" + (f" ({areas})" if areas else ""),
            "",
            f"{_count(shifts.value, 'sv', start=True, neuter=True)} {'gemensamt' if _one(shifts.value) else 'gemensamma'} "
            "pass mellan socialtjänsten och polisen har genomförts.",
            f"{_people(minors.value, 'sv', start=True)} under 18 år har påträffats i prostitution."
            + _share(minors, "sv", "länkats vidare till adekvat stöd inom socialtjänsten", ""),
            f"{_people(adults.value, 'sv', start=True)} över 18 år har påträffats i prostitution."
            + _share(adults, "sv", "informerats om samhällets hjälp- och stödfunktioner", ""),
            f"{_people(buyers.value, 'sv', start=True)} har anmälts för {purchase}.",
            f"{_people(minor_buyers.value, 'sv', start=True)} under 18 år har påträffats vid insatserna och anmälts för "
            f"{purchase}."
            + _share(minor_buyers, "sv", "också slussats vidare till adekvat stöd inom socialtjänsten", ""),
        ]
    else:
        lines = [
            f"FACTS – Results for {period}" + (f" ({areas})" if areas else ""),
            "",
            f"{_count(shifts.value, 'en', start=True)} joint {'shift' if _one(shifts.value) else 'shifts'} of social services "
            f"and the police {_has(shifts.value)} been carried out.",
            f"{_people(minors.value, 'en', start=True)} under 18 {_has(minors.value)} been found in prostitution."
            + _share(minors, "en", "", "been referred on to appropriate support from social services"),
            f"{_people(adults.value, 'en', start=True)} aged 18 or over {_has(adults.value)} been found in prostitution."
            + _share(adults, "en", "", "been informed of the support society offers"),
            f"{_people(buyers.value, 'en', start=True)} {_has(buyers.value)} been reported for buying or attempting to buy "
            f"{purchase}.",
            f"{_people(minor_buyers.value, 'en', start=True)} under 18 {_has(minor_buyers.value)} been found during the "
            "operations and reported for "
            f"buying or attempting to buy {purchase}."
            + _share(minor_buyers, "en", "", "also been referred on to appropriate support from social services"),
        ]
    if report.is_public:
        note = (
            "Uppgifter om färre än fem personer redovisas inte, så att ingen enskild kan pekas ut."
            if report.method == "suppression"
            else "Siffrorna har ett litet slumpmässigt brus (cellnyckelmetoden) så att ingen enskild kan pekas ut."
        ) if language == "sv" else (
            "Counts of fewer than five people are not shown, so that no individual can be identified."
            if report.method == "suppression"
            else "The figures carry a small random noise (the cell key method), so that no individual can be identified."
        )
        lines += ["", note]
    return "\n".join(lines)
