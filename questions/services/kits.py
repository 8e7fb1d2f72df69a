"""Interview kits, their share links and hiring loops.

Kits are edited by their owner (or staff): the view checks that, these functions take the kit
it found. Changes that touch positions lock the kit's row first, so two tabs adding or moving
at once still leave positions 1..n without gaps or duplicates. A candidate's kit session starts
through `practice.start_session`, the one way a session begins.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import Now

from questions.models import (
    Kit,
    KitItem,
    Loop,
    LoopRound,
    PracticeSession,
    Question,
    ShareLink,
)
from questions.models.bank import Status
from questions.models.kits import MAX_MINUTES, MIN_MINUTES, TOKEN_MAX_LENGTH, TOKEN_MIN_LENGTH
from questions.models.practice import (
    Clock,
)
from questions.services.practice import start_session

MAX_KIT_ITEMS = 100
MAX_LOOP_ROUNDS = 20


class KitError(ValueError):
    """A kit change or a kit session that cannot happen; the message says why, for the page."""


class ShareLinkUnavailable(Exception):
    """The share token is unknown, revoked or expired; `state` says which."""

    def __init__(self, state: str) -> None:
        super().__init__(f"share link {state}")
        self.state = state


def check_minutes(minutes: int | None, *, optional: bool = False) -> None:
    """Refuse minutes outside 1..120 with a message a person can act on."""
    if minutes is None and optional:
        return
    if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise KitError(
            f"Minutes must be a whole number from {MIN_MINUTES} to {MAX_MINUTES}; "
            f"“{minutes}” is not."
        )


def _locked(model: type[Kit] | type[Loop], pk: int) -> Any:
    return model.objects.select_for_update().get(pk=pk)


def _touch(model: type[Kit] | type[Loop], pk: int) -> None:
    model.objects.filter(pk=pk).update(updated_at=Now())


def _remove(
    model: type[Kit] | type[Loop], pk: int, rows: QuerySet[Any], row_id: int, *related: str
) -> Any:
    """Delete a kit's item or a loop's round under the parent's lock and move the rows after it
    up one place; the row deleted, or None when it was not there (already removed)."""
    _locked(model, pk)
    rows_with = rows.select_related(*related) if related else rows
    row = rows_with.filter(pk=row_id).first()
    if row is None:
        return None
    row.delete()
    rows.filter(position__gt=row.position).update(position=F("position") - 1)
    _touch(model, pk)
    return row


def _move(
    model: type[Kit] | type[Loop], pk: int, rows: QuerySet[Any], row_id: int, direction: str
) -> bool:
    """Move a kit's item or a loop's round one place, under the parent's lock."""
    _locked(model, pk)
    moved = _swap_with_neighbour(rows, row_id, direction)
    if moved:
        _touch(model, pk)
    return moved


def _swap_with_neighbour(rows: QuerySet[Any], row_id: int, direction: str) -> bool:
    """Swap a row's position with the one above or below it; False at either end.

    The unique (parent, position) constraints are deferred, so the two UPDATEs may pass through
    a moment where both rows share a position.
    """
    if direction not in ("up", "down"):
        raise KitError("Move up or down.")
    row = rows.filter(pk=row_id).only("position").first()
    if row is None:
        return False
    if direction == "up":
        neighbour = rows.filter(position__lt=row.position).order_by("-position").first()
    else:
        neighbour = rows.filter(position__gt=row.position).order_by("position").first()
    if neighbour is None:
        return False
    rows.filter(pk=row.pk).update(position=neighbour.position)
    rows.filter(pk=neighbour.pk).update(position=row.position)
    return True


@transaction.atomic
def create_kit(
    *, owner: Any, title: str, round: str = "", description: str = "", minutes: int = 5
) -> Kit:
    check_minutes(minutes)
    return Kit.objects.create(
        owner=owner, title=title, round=round, description=description, minutes=minutes
    )


@transaction.atomic
def duplicate_kit(*, kit: Kit, owner: Any) -> Kit:
    """A copy of the kit and its items, owned by `owner`; share links and results stay behind."""
    copy = Kit.objects.create(
        owner=owner,
        title=f"Copy of {kit.title}"[: Kit._meta.get_field("title").max_length],
        round=kit.round,
        description=kit.description,
        minutes=kit.minutes,
    )
    KitItem.objects.bulk_create(
        KitItem(
            kit=copy,
            question_id=item.question_id,
            position=item.position,
            notes=item.notes,
            minutes=item.minutes,
        )
        for item in kit.items.order_by("position")
    )
    return copy


def _next_position(rows: QuerySet[Any], present: Q, *, limit: int, already: str, full: str) -> int:
    """The position after the last of `rows` (a kit's items, a loop's rounds), in one query;
    `already` is refused when a row matches `present`, `full` when there are `limit` rows."""
    totals = rows.aggregate(
        count=Count("pk"), last=Max("position"), present=Count("pk", filter=present)
    )
    if totals["present"]:
        raise KitError(already)
    if totals["count"] >= limit:
        raise KitError(full)
    return (totals["last"] or 0) + 1


@transaction.atomic
def add_question_to_kit(*, kit: Kit, question_id: int) -> KitItem:
    """Append a published question. Refuses duplicates, drafts, retired questions, overfull kits."""
    _locked(Kit, kit.pk)
    question = Question.objects.filter(pk=question_id).only("title", "status").first()
    if question is None:
        raise KitError("That question does not exist any more.")
    if question.status != Status.PUBLISHED:
        state = Status(question.status).label.lower()
        raise KitError(
            f"“{question.title}” is {state}, so it cannot be added: only published questions can."
        )
    position = _next_position(
        kit.items.all(),
        Q(question_id=question_id),
        limit=MAX_KIT_ITEMS,
        already=f"“{question.title}” is already in this kit.",
        full=f"A kit holds at most {MAX_KIT_ITEMS} questions. Split it into two rounds.",
    )
    item = KitItem.objects.create(kit=kit, question=question, position=position)
    _touch(Kit, kit.pk)
    return item


@transaction.atomic
def remove_kit_item(*, kit: Kit, item_id: int) -> KitItem | None:
    """Remove an item and close the gap; None when it was not in this kit (already removed)."""
    return _remove(Kit, kit.pk, KitItem.objects.filter(kit=kit), item_id, "question")


@transaction.atomic
def move_kit_item(*, kit: Kit, item_id: int, direction: str) -> bool:
    """Move an item one place up or down; False at the ends or when it is gone."""
    return _move(Kit, kit.pk, KitItem.objects.filter(kit=kit), item_id, direction)


@transaction.atomic
def update_kit_item(*, kit: Kit, item_id: int, notes: str, minutes: int | None) -> bool:
    """Set an item's interviewer notes and its own minutes (None: the kit's)."""
    check_minutes(minutes, optional=True)
    changed = KitItem.objects.filter(pk=item_id, kit=kit).update(notes=notes, minutes=minutes)
    if changed:
        _touch(Kit, kit.pk)
    return bool(changed)


# Share links and kit sessions -------------------------------------------------------------------


def create_share_link(
    *, kit: Kit, now: datetime, expires_at: datetime | None = None, label: str = ""
) -> ShareLink:
    """A new link with a 256-bit random token (secrets.token_urlsafe(32))."""
    if expires_at is not None and expires_at <= now:
        raise KitError("A link's expiry must be in the future.")
    return ShareLink.objects.create(
        kit=kit,
        token=secrets.token_urlsafe(32),
        label=label,
        created_at=now,
        expires_at=expires_at,
    )


def revoke_share_link(*, kit: Kit, link_id: int, now: datetime) -> bool:
    """Revoke once; revoking again changes nothing."""
    return bool(
        ShareLink.objects.filter(pk=link_id, kit=kit, revoked_at__isnull=True).update(
            revoked_at=now
        )
    )


def resolve_share_link(*, token: str, now: datetime) -> ShareLink:
    """The active link for a token, with its kit; ShareLinkUnavailable otherwise."""
    if not TOKEN_MIN_LENGTH <= len(token) <= TOKEN_MAX_LENGTH:
        raise ShareLinkUnavailable("unknown")
    link = ShareLink.objects.select_related("kit__owner").filter(token=token).first()
    if link is None:
        raise ShareLinkUnavailable("unknown")
    state = link.state(now)
    if state != ShareLink.State.ACTIVE:
        raise ShareLinkUnavailable(state)
    return link


@transaction.atomic
def start_kit_session(
    *, user: Any, token: str, share_results: bool, now: datetime
) -> PracticeSession:
    """Start a timed session on a shared kit, each question on the kit's minutes.

    Questions retired since they were added are left out. The session takes a snapshot like any
    other, so later edits to the kit or the bank never change it.
    """
    link = resolve_share_link(token=token, now=now)
    kit = link.kit
    items = list(kit.items.shareable().order_by("position").only("question_id", "minutes"))
    if not items:
        raise KitError(
            "This kit has no questions yet, so there is nothing to practise. "
            "Ask the person who sent the link to add some."
        )
    questions = Question.objects.only("pk").in_bulk([item.question_id for item in items])
    session = start_session(
        user=user,
        questions=[questions[item.question_id] for item in items],
        clock=Clock.PER_QUESTION,
        minutes=kit.minutes,
        now=now,
        title=kit.title,
        source=PracticeSession.Source.KIT,
        filters={"kit": kit.pk, "share_link": link.pk},
        allowed_seconds=[item.effective_minutes(kit) * 60 for item in items],
    )
    PracticeSession.objects.filter(pk=session.pk).update(kit=kit, share_results=share_results)
    session.kit = kit
    session.share_results = share_results
    return session


def set_session_sharing(*, session: PracticeSession, user: Any, share: bool) -> bool:
    """Share a kit session's results with the kit's owner, or withdraw them. Owner only."""
    changed = PracticeSession.objects.filter(
        pk=session.pk, owner_id=user.pk, kit__isnull=False
    ).update(share_results=share)
    if changed:
        session.share_results = share
    return bool(changed)


# Loops ------------------------------------------------------------------------------------------


@transaction.atomic
def add_kit_to_loop(*, loop: Loop, kit_id: int) -> LoopRound:
    """Append one of the loop's kits (its team's, or its owner's own) as the next round."""
    _locked(Loop, loop.pk)
    kit = Kit.objects.for_loop(loop).filter(pk=kit_id).only("title").first()
    if kit is None:
        raise KitError("Choose one of the loop's kits (its team's, or its owner's own).")
    position = _next_position(
        loop.rounds.all(),
        Q(kit_id=kit_id),
        limit=MAX_LOOP_ROUNDS,
        already=f"“{kit.title}” is already a round of this loop.",
        full=f"A loop has at most {MAX_LOOP_ROUNDS} rounds.",
    )
    loop_round = LoopRound.objects.create(loop=loop, kit=kit, position=position)
    _touch(Loop, loop.pk)
    return loop_round


@transaction.atomic
def remove_loop_round(*, loop: Loop, round_id: int) -> bool:
    """Take a kit out of the loop (the kit itself stays) and renumber the rounds after it."""
    return _remove(Loop, loop.pk, LoopRound.objects.filter(loop=loop), round_id) is not None


@transaction.atomic
def move_loop_round(*, loop: Loop, round_id: int, direction: str) -> bool:
    """Move a round one place up or down; False at the ends or when it is gone."""
    return _move(Loop, loop.pk, LoopRound.objects.filter(loop=loop), round_id, direction)
