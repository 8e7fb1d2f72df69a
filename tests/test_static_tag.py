"""{% static %} (a builtin) keeps each file's URL per process and renders what Django's own tag
renders; `{% load static %}` still gives Django's library."""

import pytest
from django.template import Context, Engine, Template, engines

from interviewprep.static_tag import CachedStaticNode, _url


def render(source: str, **context) -> str:
    # Our templates use the builtin without loading Django's library (which would replace it).
    source = source.replace("{% load static %}", "")
    return engines["django"].from_string(source).render(context)


def django_render(source: str, **context) -> str:
    engine = Engine(libraries={"static": "django.templatetags.static"})  # Django's library
    return Template(source, engine=engine).render(Context(context))


CASES = [
    ("{% load static %}{% static 'css/app.css' %}", {}),
    ("{% load static %}{% static path %}", {"path": "js/app.js"}),
    ("{% load static %}{% static 'a b&c.css' %}", {}),  # quoted and escaped as Django does
    ("{% load static %}{% static 'css/app.css' as url %}[{{ url }}]", {}),
]


@pytest.mark.parametrize(("source", "context"), CASES)
def test_it_renders_what_djangos_tag_renders(source, context):
    expected = django_render(source, **context)
    assert render(source, **context) == expected
    assert render(source, **context) == expected  # and again, from what it kept


def test_the_builtin_is_ours_and_each_url_is_computed_once():
    template = engines["django"].from_string("{% static 'css/app.css' %}")
    assert len(template.template.nodelist.get_nodes_by_type(CachedStaticNode)) == 1
    loaded = engines["django"].from_string("{% load static %}{% static 'css/app.css' %}")
    assert not loaded.template.nodelist.get_nodes_by_type(CachedStaticNode)  # Django's, as asked
    _url.cache_clear()
    render("{% static 'css/app.css' %}{% static 'css/app.css' %}")
    info = _url.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_a_new_static_url_is_seen(settings):
    render("{% load static %}{% static 'css/app.css' %}")
    settings.STATIC_URL = "/assets/"
    assert render("{% load static %}{% static 'css/app.css' %}") == "/assets/css/app.css"


def test_a_file_the_manifest_lacks_still_fails_every_time(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = "/nonexistent-static-root"
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            render("{% load static %}{% static 'css/nowhere.css' %}")
