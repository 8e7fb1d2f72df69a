"""{% url %} keeps each reversed URL per process and renders what Django's own tag renders."""

import pytest
from django.template import Context, Engine, Template, engines
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix

from interviewprep.url_tag import CachedURLNode, _reverse
from questions.models import Question


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def django_render(source: str, **context) -> str:
    return Template(source, engine=Engine()).render(Context(context))  # Django's builtins only


CASES = [
    ("{% url 'questions:browse' %}", {}),
    ("{% url 'questions:detail' slug %}", {"slug": "bias-variance"}),
    ("{% url 'questions:question_history' 42 %}", {}),
    ("{% url 'questions:question_history' question_id=pk %}", {"pk": 7}),
    ("{% url 'questions:detail' slug %}", {"slug": "a&b"}),  # not a slug: Django's error
    ("{% url 'questions:detail' 'x' as link %}[{{ link }}]", {}),
    ("{% url 'nowhere' as link %}[{{ link }}]", {}),
]


@pytest.mark.parametrize(("source", "context"), CASES)
def test_it_renders_what_djangos_tag_renders(source, context):
    try:
        expected = django_render(source, **context)
    except NoReverseMatch:
        with pytest.raises(NoReverseMatch):
            render(source, **context)
        return
    assert render(source, **context) == expected
    assert render(source, **context) == expected  # and again, from what it kept


def test_it_is_the_url_tag_of_every_template():
    template = engines["django"].from_string("{% url 'questions:browse' %}")
    assert any(isinstance(node, CachedURLNode) for node in template.template.nodelist)


def test_a_url_is_reversed_once_then_kept():
    _reverse.cache_clear()
    for _ in range(3):
        render("{% url 'questions:detail' 'kept' %}")
    info = _reverse.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_the_script_prefix_is_part_of_the_key():
    source = "{% url 'questions:browse' %}"
    try:
        set_script_prefix("/prep/")
        assert render(source) == "/prep/questions/"
    finally:
        clear_script_prefix()
    assert render(source) == "/questions/"


@pytest.mark.django_db
def test_an_object_argument_goes_to_djangos_tag_uncached():
    question = Question(slug="an-object")
    question.__str__ = lambda: "an-object"  # type: ignore[method-assign]
    _reverse.cache_clear()
    assert render("{% url 'questions:detail' q.slug %}", q=question) == "/questions/an-object/"
    assert _reverse.cache_info().currsize == 1
    with pytest.raises(NoReverseMatch):  # a model instance is not cached (nor a valid slug)
        render("{% url 'questions:detail' q %}", q=Question(slug="x", title="Two words"))
    assert _reverse.cache_info().currsize == 1


def test_cached_reverse_is_reverse_kept_per_process_with_the_script_prefix():
    from django.urls import reverse

    from interviewprep.url_tag import cached_reverse

    _reverse.cache_clear()
    expected = reverse("questions:attempt_save", args=[3, 41])
    assert cached_reverse("questions:attempt_save", 3, 41) == expected
    assert cached_reverse("questions:attempt_save", 3, 41) == expected
    assert (_reverse.cache_info().misses, _reverse.cache_info().hits) == (1, 1)
    try:
        set_script_prefix("/prep/")
        assert cached_reverse("questions:attempt_save", 3, 41) == "/prep" + expected
    finally:
        clear_script_prefix()
    with pytest.raises(NoReverseMatch):
        cached_reverse("questions:attempt_save", 3)
