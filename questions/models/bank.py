"""The question bank: topics, questions and their follow-ups."""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchQueryField,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse

from questions import markdown


class Topic(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order in lists; lower first.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    CONCEPT = "concept", "Concept"
    CODING = "coding", "Coding"
    SCENARIO = "scenario", "Scenario"
    SYSTEM_DESIGN = "system-design", "System design"
    BEHAVIORAL = "behavioral", "Behavioural"


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    EXPERIENCED = "experienced", "Experienced"


class Role(models.TextChoices):
    ML_ENGINEER = "ml-engineer", "ML engineer"
    DATA_SCIENTIST = "data-scientist", "Data scientist"
    RESEARCH_SCIENTIST = "research-scientist", "Research scientist"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Weight(models.TextChoices):
    """How much a key point counts in the suggested grade (questions.rubric)."""

    MUST = "must", "Must"
    SHOULD = "should", "Should"
    BONUS = "bonus", "Bonus"


# A follow-up chain never goes deeper than this (a follow-up's follow-up's follow-up).
MAX_FOLLOW_UP_DEPTH = 3


def full_weights(key_points: list[str], weights: list[str]) -> list[str]:
    """One weight per key point: a missing one is `must` (first-edition rows have none)."""
    return [*weights[: len(key_points)], *[Weight.MUST] * (len(key_points) - len(weights))]


class WeightedKeyPoints(models.Model):
    """Key points as texts plus a parallel array of weights, kept the same length on save.

    Two arrays rather than a JSON list: every reader of `key_points` (attempt snapshots, ticked
    indexes, search, results, versioning) keeps working, and the database can check the weights.
    """

    key_points = ArrayField(
        models.TextField(), default=list, blank=True, help_text="The rubric, in order."
    )
    key_point_weights = ArrayField(
        models.CharField(max_length=10, choices=Weight.choices),
        default=list,
        blank=True,
        help_text="One per key point; a missing one counts as must.",
    )

    class Meta:
        abstract = True

    @property
    def weighted_key_points(self) -> list[tuple[str, str]]:
        """(text, weight) pairs in order."""
        weights = full_weights(self.key_points, self.key_point_weights)
        return list(zip(self.key_points, weights, strict=True))

    def normalise_weights(self) -> None:
        self.key_point_weights = full_weights(self.key_points, self.key_point_weights)

    @classmethod
    def weight_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=Q(key_point_weights__contained_by=Weight.values),
                name=f"{prefix}_weights_known",
            ),
            models.CheckConstraint(
                condition=Q(key_point_weights__len__lte=F("key_points__len")),
                name=f"{prefix}_weights_not_longer",
            ),
        ]


class QuestionQuerySet(models.QuerySet["Question"]):
    # What a list of questions shows; the answers and the search vector stay in the database.
    LIST_FIELDS = (
        "slug", "title", "prompt", "kind", "level", "roles", "status",
        "topic__slug", "topic__name", "topic__position", "position",
    )  # fmt: skip

    def published(self) -> "QuestionQuerySet":
        return self.filter(status=Status.PUBLISHED)

    def for_list(self) -> "QuestionQuerySet":
        return self.select_related("topic").only(*self.LIST_FIELDS)

    def filter_by(
        self, *, topic: "Topic | None" = None, level: str = "", kind: str = "", role: str = ""
    ) -> "QuestionQuerySet":
        """Narrow by whichever filters are given; callers validate values against the choices."""
        qs = self
        if topic is not None:
            qs = qs.filter(topic=topic)
        if level:
            qs = qs.filter(level=level)
        if kind:
            qs = qs.filter(kind=kind)
        if role:
            qs = qs.filter(roles__contains=[role])
        return qs

    def browse(
        self,
        *,
        q: str = "",
        topic: "Topic | None" = None,
        level: str = "",
        kind: str = "",
        role: str = "",
        tag: str = "",
    ) -> "QuestionQuerySet":
        """The bank as people browse it: published questions matching the filters, best match
        first, with what a list shows. One read for the question browser, the kit builder's
        search and the search benchmark (`QuestionFilterForm.criteria()` gives the arguments)."""
        qs = self.published().filter_by(topic=topic, level=level, kind=kind, role=role)
        if tag:
            qs = qs.filter(tags__contains=[tag])
        return qs.search(q).for_list()

    def matching(
        self,
        *,
        topics: "Sequence[str]" = (),
        levels: "Sequence[str]" = (),
        kinds: "Sequence[str]" = (),
        roles: "Sequence[str]" = (),
    ) -> "QuestionQuerySet":
        """The start form's filters: any of the topics (by slug), levels, kinds and roles given;
        an empty list means all of them."""
        qs = self
        if topics:
            qs = qs.filter(topic__slug__in=topics)
        if levels:
            qs = qs.filter(level__in=levels)
        if kinds:
            qs = qs.filter(kind__in=kinds)
        if roles:
            qs = qs.filter(roles__overlap=list(roles))
        return qs

    # Search input beyond these limits is ignored: no real question needs more.
    SEARCH_MAX_CHARS = 200
    SEARCH_MAX_TERMS = 8
    SEARCH_MAX_TERM_CHARS = 40
    _WORD = re.compile(r"[^\W_]+")
    # Endings that English stemming removes. A half-typed word ("overfitti") isn't a prefix of
    # its stem ("overfit"), so the word being typed also matches the stems of its completions.
    _ENDINGS = (
        "s", "es", "ed", "ing", "ings", "ion", "ions", "ation", "ication", "ization", "isation",
        "ize", "ise", "ate", "ated", "ating", "ator", "or", "ors", "ous", "ity", "ility", "ies",
        "ness", "ment", "ments", "ly", "al", "ally", "ive", "er", "ers", "ence", "ance", "able",
        "ical", "ism", "ist",
    )  # fmt: skip
    # A finished word: its English stem as a prefix ("networks" also finds "networking").
    _FINISHED_SQL = "to_tsquery('english'::regconfig, %s)"
    # The word being typed: the distinct stems of it and its completions, as prefixes, leaving out
    # those another one covers; or the word unstemmed, as 'simple' keeps stop words ("the" on its
    # way to "theorem").
    _TYPING_SQL = (
        "((SELECT coalesce(string_agg(quote_literal(l) || ':*', ' | '), '')::tsquery"
        " FROM (SELECT tsvector_to_array(to_tsvector('english'::regconfig, %s)) AS a) AS s,"
        " unnest(s.a) AS l"
        " WHERE NOT EXISTS (SELECT FROM unnest(s.a) AS m WHERE m <> l AND starts_with(l, m)))"
        " || to_tsquery('simple'::regconfig, %s))"
    )

    @classmethod
    def search_query(cls, text: str) -> RawSQL | None:
        """The tsquery for what someone typed: every word as a prefix, all required.

        Only runs of letters and digits reach the database, as parameters, so no input can make
        a malformed query. None when the text has no words.
        """
        text = text.replace("\x00", "")[: cls.SEARCH_MAX_CHARS]
        words = [w.lower()[: cls.SEARCH_MAX_TERM_CHARS] for w in cls._WORD.findall(text)]
        words = list(dict.fromkeys(words))[: cls.SEARCH_MAX_TERMS]
        if not words:
            return None
        still_typing = bool(cls._WORD.search(text[-1:]))
        parts, params = [], []
        for i, word in enumerate(words):
            if still_typing and i == len(words) - 1:
                parts.append(cls._TYPING_SQL)
                params += [" ".join([word, *cls._completions(word)]), f"'{word}':*"]
            else:
                parts.append(cls._FINISHED_SQL)
                params.append(f"'{word}':*")
        # A subquery hides the words from the planner: its guesses for prefixes run high and made
        # it scan the whole table, several times slower than the GIN index (bench/bench_search.py).
        return RawSQL(f"(SELECT {' && '.join(parts)})", params, output_field=SearchQueryField())

    @classmethod
    def _completions(cls, word: str) -> list[str]:
        """Whole words a half-typed word may become, one per ending, overlapping where it can."""
        if len(word) < 4:
            return []
        result = []
        for ending in cls._ENDINGS:
            overlap = next(i for i in range(len(ending), -1, -1) if word.endswith(ending[:i]))
            if overlap < len(ending):
                result.append(word + ending[overlap:])
        return list(dict.fromkeys(result))

    def search(self, text: str) -> "QuestionQuerySet":
        """Full-text search, best match first: title > prompt and tags > answer.

        Any input is safe (see search_query); text without words leaves the queryset as it is.
        """
        query = self.search_query(text)
        if query is None:
            return self
        matches = Func(
            F("search"),
            query,
            template="%(expressions)s",
            arg_joiner=" @@ ",
            output_field=models.BooleanField(),
        )
        return (
            self.filter(matches)
            .annotate(rank=SearchRank(F("search"), query))
            .order_by("-rank", "topic__position", "position", "title", "pk")
        )


class TagsText(Func):
    """tags as one space-separated string, through an IMMUTABLE wrapper (migration 0002) so that
    it can feed the generated search column; plain array_to_string is only STABLE."""

    function = "questions_tags_text"
    output_field = models.TextField()


# Fields whose change makes a published question a new version.
CONTENT_FIELDS = ("title", "prompt", "answer", "key_points", "key_point_weights", "red_flags")


class Question(WeightedKeyPoints):
    Kind = Kind
    Level = Level
    Role = Role
    Status = Status

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="questions")
    slug = models.SlugField(
        max_length=120, unique=True, help_text="Stable key for import and export; never reused."
    )
    title = models.CharField(max_length=200)
    prompt = models.TextField(help_text="Markdown.")
    prompt_html = models.TextField(editable=False, default="")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CONCEPT)
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.BEGINNER)
    roles = ArrayField(
        models.CharField(max_length=30, choices=Role.choices), default=list, blank=True
    )
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    answer = models.TextField(help_text="Markdown: the model answer.")
    answer_html = models.TextField(editable=False, default="")
    red_flags = ArrayField(
        models.TextField(),
        default=list,
        blank=True,
        help_text="Statements that show a misunderstanding; a ticked one caps the suggested grade.",
    )
    seconds = models.PositiveIntegerField(default=180, help_text="Suggested answer time.")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    sources = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order within its topic.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config="english")
            + SearchVector("prompt", weight="B", config="english")
            + SearchVector(TagsText(F("tags")), weight="B", config="english")
            + SearchVector("answer", weight="C", config="english")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["topic__position", "position", "title"]
        indexes = [
            GinIndex(fields=["search"], name="question_search_gin"),
            GinIndex(fields=["roles"], name="question_roles_gin"),
            models.Index(fields=["status", "topic", "level"], name="question_browse_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(seconds__gte=10) & Q(seconds__lte=7200), name="question_seconds_range"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="question_version_positive"),
            *WeightedKeyPoints.weight_constraints("question"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("questions:detail", args=[self.slug])

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Render the Markdown, and bump the version when a published question's content changes."""
        self.prompt_html = markdown.render(self.prompt)
        self.answer_html = markdown.render(self.answer)
        self.normalise_weights()
        if self.pk is not None and self.status == Status.PUBLISHED:
            before = Question.objects.filter(pk=self.pk).values(*CONTENT_FIELDS, "status").first()
            if (
                before
                and before["status"] == Status.PUBLISHED
                and any(before[f] != getattr(self, f) for f in CONTENT_FIELDS)
            ):
                self.version += 1
        super().save(*args, **kwargs)

    def bump_version(self) -> None:
        """A follow-up of a published question changed: the question is a new version."""
        if self.status == Status.PUBLISHED:
            Question.objects.filter(pk=self.pk).update(version=F("version") + 1)
            self.refresh_from_db(fields=["version"])

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in self.roles if r in Role.values]

    @property
    def follow_up_tree(self) -> list["FollowUp"]:
        """The follow-ups (prefetch them) depth-first, each with `depth` and `children` set."""
        return follow_up_tree(self.follow_ups.all())

    @property
    def follow_up_roots(self) -> list["FollowUp"]:
        """The first-level follow-ups; each one's `children` holds its own, recursively."""
        return [f for f in self.follow_up_tree if f.parent_id is None]


class FollowUp(WeightedKeyPoints):
    """A follow-up of a question, or of another follow-up (a chain, asked after its parent)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="follow_ups")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children_set",
        help_text="Empty for a follow-up of the question itself; else asked after this one.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Order among its siblings.")
    prompt = models.TextField(help_text="Markdown.")
    prompt_html = models.TextField(editable=False, default="")
    answer = models.TextField(help_text="Markdown: a short model answer.")
    answer_html = models.TextField(editable=False, default="")

    # Set by follow_up_tree (not columns): the depth in the chain and the follow-ups asked after.
    depth: int
    children: list["FollowUp"]

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "parent", "position"],
                name="followup_unique_position",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="followup_not_own_parent"),
            *WeightedKeyPoints.weight_constraints("followup"),
        ]

    def __str__(self) -> str:
        return self.prompt[:80]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.prompt_html = markdown.render(self.prompt)
        self.answer_html = markdown.render(self.answer)
        self.normalise_weights()
        super().save(*args, **kwargs)


def follow_up_tree(follow_ups: Iterable[FollowUp]) -> list[FollowUp]:
    """One question's follow-ups in the order they are asked: depth-first, parents before their
    children, siblings by position. Each gets `depth` (0 for the question's own) and `children`.
    A follow-up whose parent is not among them (or a cycle) is left out."""
    by_parent: dict[int | None, list[FollowUp]] = defaultdict(list)
    for follow_up in follow_ups:
        by_parent[follow_up.parent_id].append(follow_up)
    for siblings in by_parent.values():
        siblings.sort(key=lambda f: (f.position, f.pk or 0))
    result: list[FollowUp] = []
    seen: set[int | None] = set()

    def walk(parent_id: int | None, depth: int) -> list[FollowUp]:
        level = []
        for follow_up in by_parent.get(parent_id, []):
            if follow_up.pk in seen:
                continue
            seen.add(follow_up.pk)
            follow_up.depth = depth
            result.append(follow_up)
            follow_up.children = walk(follow_up.pk, depth + 1)
            level.append(follow_up)
        return level

    walk(None, 0)
    return result
