"""The numbers a hiring team reads: the loop's coverage, the leak guard's alternates, a
candidate's debrief, and calibration across candidates (leniency, agreement, how well each
question's rating goes with the overall decision).

Everything here is evidence for people to read; nothing here recommends a hire. Each function
reads with a fixed number of queries, whatever the number of rounds or scorecards.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from statistics import mean
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Lower

from questions.models import (
    Attempt,
    Candidate,
    CompetencyRating,
    Kit,
    KitItem,
    LoopRound,
    Question,
    Scorecard,
    ScorecardItem,
    Team,
)
from questions.models.interviews import RATING_MAX, RATING_MIN, RECOMMENDATION_SCORE, Recommendation
from questions.models.practice import SessionStatus

DISAGREEMENT = 2  # ratings this far apart on one competency are flagged
ALTERNATES_PER_QUESTION = 3
POSITIVE = {Recommendation.YES, Recommendation.STRONG_YES}


# Loop coverage ---------------------------------------------------------------------------------


def coverage(rounds: list[LoopRound]) -> dict[str, Any]:
    """Which competencies and topics each round covers, and what to look at again: a round that
    assesses no competency or has no interviewer, and a competency or topic that every round
    repeats. `rounds` come with `kit__items__question__topic` and `interviewers` prefetched."""
    competencies: dict[str, list[int]] = defaultdict(list)
    topics: dict[str, list[int]] = defaultdict(list)
    for loop_round in rounds:
        names = {c.casefold(): c for c in loop_round.competencies}
        for name in names.values():
            competencies[name].append(loop_round.position)
        round_topics = sorted({item.question.topic.name for item in loop_round.kit.items.all()})
        loop_round.topics = round_topics  # type: ignore[attr-defined]
        for topic in round_topics:
            topics[topic].append(loop_round.position)
    warnings = []
    for loop_round in rounds:
        if not loop_round.competencies:
            warnings.append(
                f"Round {loop_round.position} assesses no competency: say what it is for."
            )
        if not loop_round.interviewers.all():
            warnings.append(f"Round {loop_round.position} has no interviewer yet.")
    if len(rounds) > 1:
        for name, positions in competencies.items():
            if len(positions) == len(rounds):
                warnings.append(f"Every round assesses “{name}”: one or two rounds may be enough.")
        for name, positions in topics.items():
            if len(positions) == len(rounds):
                warnings.append(f"Every round asks about “{name}”.")
    return {
        "competencies": sorted(competencies.items()),
        "topics": sorted(topics.items()),
        "warnings": warnings,
    }


# The leak guard's alternates -------------------------------------------------------------------


def alternates(kit: Kit) -> list[dict[str, Any]]:
    """For each of the kit's questions, published questions of the same topic and level that no
    kit of the team uses, the most practised first (the bank statistics)."""
    items = list(kit.items.select_related("question__topic").order_by("position"))
    pairs = {(item.question.topic_id, item.question.level) for item in items}
    if not pairs:
        return []
    match = Q()
    for topic_id, level in pairs:
        match |= Q(topic_id=topic_id, level=level)
    if kit.team_id is None:
        return []
    used = KitItem.objects.filter(kit__team_id=kit.team_id).values("question_id")
    pool = (
        Question.objects.published()
        .filter(match)
        .exclude(pk__in=used)
        .annotate(attempt_count=Count("attempts"))
        .only("title", "slug", "topic_id", "level")
        .order_by("-attempt_count", "title")
    )
    by_pair: dict[tuple[int, str], list[Question]] = defaultdict(list)
    for question in pool:
        by_pair[(question.topic_id, question.level)].append(question)
    return [
        {
            "item": item,
            "alternates": by_pair[(item.question.topic_id, item.question.level)][
                :ALTERNATES_PER_QUESTION
            ],
        }
        for item in items
    ]


# A candidate's debrief -------------------------------------------------------------------------


def self_grades(candidates: list[Candidate]) -> dict[tuple[int, int], int]:
    """(candidate, question) -> the self-grade of a candidate who practised one of the team's
    kits and shared the results, matched by the candidate's e-mail address. One query."""
    emails = {c.email.casefold(): c.pk for c in candidates if c.email}
    team_ids = {c.team_id for c in candidates}
    if not emails:
        return {}
    rows = (
        Attempt.objects.alias(owner_email=Lower("session__owner__email"))
        .filter(owner_email__in=list(emails))
        .filter(
            session__kit__team_id__in=team_ids,
            session__share_results=True,
            session__status=SessionStatus.FINISHED,
            grade__isnull=False,
            question__isnull=False,
        )
        .order_by("session__finished_at")
        .values_list("session__owner__email", "question_id", "grade")
    )
    result: dict[tuple[int, int], int] = {}
    for email, question_id, grade in rows:
        candidate_id = emails.get(email.casefold())
        if candidate_id is not None and question_id is not None and grade is not None:
            result[(candidate_id, question_id)] = grade  # the latest session wins
    return result


@dataclass
class Debrief:
    scorecards: list[Scorecard]
    competencies: list[dict[str, Any]]
    rounds: list[dict[str, Any]]
    flags: list[str] = field(default_factory=list)


def debrief(candidate: Candidate) -> Debrief:
    """Every submitted scorecard side by side: per competency the ratings (flagged where two
    interviewers differ by 2 or more), per round the key points covered per question."""
    scorecards = list(
        Scorecard.objects.submitted()
        .filter(candidate=candidate)
        .prefetch_related(
            Prefetch("items", queryset=ScorecardItem.objects.order_by("position")),
            "competency_ratings",
            "corrections",
        )
        .order_by("round_position", "interviewer_name", "pk")
    )
    grades = self_grades([candidate])
    names: dict[str, str] = {}
    for scorecard in scorecards:
        for rating in scorecard.competency_ratings.all():
            names.setdefault(rating.competency.casefold(), rating.competency)
    competencies = []
    flags = []
    for key, name in sorted(names.items()):
        cells = []
        for scorecard in scorecards:
            found = [
                r.rating
                for r in scorecard.competency_ratings.all()
                if r.competency.casefold() == key
            ]
            cells.append(found[0] if found else None)
        given = [c for c in cells if c is not None]
        spread = max(given) - min(given) if len(given) > 1 else 0
        disagree = spread >= DISAGREEMENT
        if disagree:
            flags.append(
                f"Interviewers differ by {spread} points on “{name}”: "
                "talk it through before deciding."
            )
        competencies.append({"name": name, "cells": cells, "disagree": disagree, "spread": spread})
    rounds = []
    for scorecard in scorecards:
        questions = []
        for item in scorecard.items.all():
            ticked = set(item.ticked)
            points = [
                {"text": text, "weight": weight, "covered": n in ticked}
                for n, (text, weight) in enumerate(item.weighted_key_points)
            ]
            questions.append(
                {
                    "item": item,
                    "points": points,
                    "covered": len(ticked),
                    "total": len(points),
                    "flags": [item.red_flags[i] for i in item.flagged if i < len(item.red_flags)],
                    "self_grade": grades.get((candidate.pk, item.question_id or 0)),
                }
            )
        rounds.append({"scorecard": scorecard, "questions": questions})
    return Debrief(scorecards=scorecards, competencies=competencies, rounds=rounds, flags=flags)


# Calibration across candidates -----------------------------------------------------------------


def weighted_kappa(pairs: list[tuple[int, int]]) -> float | None:
    """Cohen's kappa with quadratic weights on the 1-4 scale, over rating pairs taken both ways
    (so the order of the two interviewers does not matter). None without enough variation."""
    if not pairs:
        return None
    both = pairs + [(b, a) for a, b in pairs]
    k = RATING_MAX - RATING_MIN + 1
    observed = Counter(both)
    rows = Counter(a for a, _ in both)
    total = len(both)
    num = den = 0.0
    for i in range(RATING_MIN, RATING_MAX + 1):
        for j in range(RATING_MIN, RATING_MAX + 1):
            weight = (i - j) ** 2 / (k - 1) ** 2
            num += weight * observed[(i, j)] / total
            den += weight * rows[i] * rows[j] / total**2
    if den == 0:
        return None
    return 1 - num / den


def _distribution(ratings: list[int]) -> list[float]:
    counts = Counter(ratings)
    return [counts[r] / len(ratings) if ratings else 0 for r in range(RATING_MIN, RATING_MAX + 1)]


def calibrate(team: Team) -> dict[str, Any]:
    """Per interviewer their ratings against the team's (leniency); agreement between
    interviewers who rated the same competency of the same candidate; per question how its
    rating goes with the scorecard's recommendation; candidates' self-grades beside. Four
    queries whatever the number of scorecards."""
    cards = list(
        Scorecard.objects.submitted()
        .filter(candidate__team=team)
        .values("pk", "interviewer_id", "interviewer_name", "candidate_id", "recommendation")
    )
    by_card = {c["pk"]: c for c in cards}
    competency_rows = (
        list(
            CompetencyRating.objects.filter(scorecard__in=list(by_card)).values_list(
                "scorecard_id", "competency", "rating"
            )
        )
        if cards
        else []
    )
    item_rows = (
        list(
            ScorecardItem.objects.filter(
                scorecard__in=list(by_card), rating__isnull=False
            ).values_list("scorecard_id", "question_id", "title", "rating")
        )
        if cards
        else []
    )

    # Leniency: every rating an interviewer gave (questions and competencies) against the team's.
    ratings_by: dict[str, list[int]] = defaultdict(list)
    decisions_by: dict[str, list[int]] = defaultdict(list)
    for scorecard_id, _competency, rating in competency_rows:
        ratings_by[by_card[scorecard_id]["interviewer_name"]].append(rating)
    for scorecard_id, _question, _title, item_rating in item_rows:
        if item_rating is not None:
            ratings_by[by_card[scorecard_id]["interviewer_name"]].append(item_rating)
    for card in cards:
        decisions_by[card["interviewer_name"]].append(card["recommendation"] in POSITIVE)
    every = [r for values in ratings_by.values() for r in values]
    team_mean = mean(every) if every else None
    team_yes = mean([d for v in decisions_by.values() for d in v]) if cards else None
    interviewers = []
    for name in sorted(set(ratings_by) | set(decisions_by)):
        values = ratings_by.get(name, [])
        own_mean = mean(values) if values else None
        interviewers.append(
            {
                "name": name,
                "scorecards": len(decisions_by.get(name, [])),
                "ratings": len(values),
                "distribution": [round(share * 100) for share in _distribution(values)],
                "mean": own_mean,
                "leniency": (own_mean - team_mean)
                if own_mean is not None and team_mean is not None
                else None,
                "yes_rate": mean(decisions_by[name]) if decisions_by.get(name) else None,
            }
        )

    # Agreement: pairs of interviewers who rated the same competency of the same candidate.
    by_subject: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
    for scorecard_id, competency, rating in competency_rows:
        card = by_card[scorecard_id]
        by_subject[(card["candidate_id"], competency.casefold())].append(
            (card["interviewer_name"], rating)
        )
    pairs_by_competency: dict[str, list[tuple[int, int]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for _scorecard, competency, _rating in competency_rows:
        labels.setdefault(competency.casefold(), competency)
    for (_candidate, key), given in by_subject.items():
        for (first, a), (second, b) in combinations(given, 2):
            if first != second:
                pairs_by_competency[key].append((a, b))
    agreement = []
    all_pairs: list[tuple[int, int]] = []
    for key, pairs in sorted(pairs_by_competency.items()):
        all_pairs += pairs
        agreement.append(_agreement(labels[key], pairs))
    overall = _agreement("All competencies", all_pairs) if all_pairs else None

    # Per question: its rating beside the scorecard's overall decision.
    per_question: dict[int, dict[str, Any]] = {}
    for scorecard_id, question_id, title, item_rating in item_rows:
        if question_id is None or item_rating is None:
            continue
        rating = item_rating
        row = per_question.setdefault(
            question_id, {"title": title, "yes": [], "no": [], "matches": 0, "count": 0}
        )
        positive = by_card[scorecard_id]["recommendation"] in POSITIVE
        row["yes" if positive else "no"].append(rating)
        row["count"] += 1
        row["matches"] += int((rating >= 3) == positive)
    grades = self_grades(
        list(Candidate.objects.filter(team=team).exclude(email="").only("email", "team_id"))
    )
    self_by_question: dict[int, list[int]] = defaultdict(list)
    for (_candidate, question_id), grade in grades.items():
        self_by_question[question_id].append(grade)
    questions = []
    for question_id, row in per_question.items():
        questions.append(
            {
                "title": row["title"],
                "count": row["count"],
                "mean_yes": mean(row["yes"]) if row["yes"] else None,
                "mean_no": mean(row["no"]) if row["no"] else None,
                "match_rate": row["matches"] / row["count"],
                "self_mean": mean(self_by_question[question_id])
                if self_by_question.get(question_id)
                else None,
                "self_count": len(self_by_question.get(question_id, [])),
            }
        )
    questions.sort(key=lambda q: (-q["count"], q["title"]))
    return {
        "scorecard_count": len(cards),
        "team_mean": team_mean,
        "team_yes": team_yes,
        "team_distribution": [round(share * 100) for share in _distribution(every)],
        "interviewers": interviewers,
        "agreement": agreement,
        "overall_agreement": overall,
        "questions": questions,
        "scale": list(range(RATING_MIN, RATING_MAX + 1)),
        "decisions": RECOMMENDATION_SCORE,
    }


def _agreement(name: str, pairs: list[tuple[int, int]]) -> dict[str, Any]:
    return {
        "name": name,
        "pairs": len(pairs),
        "exact": sum(a == b for a, b in pairs) / len(pairs),
        "within_one": sum(abs(a - b) <= 1 for a, b in pairs) / len(pairs),
        "kappa": weighted_kappa(pairs),
    }
