from questions.markdown import render


def test_formulas_become_mathml_on_the_server():
    html = render("Inline $x^2$ and\n\n$$\n\\frac{a}{b}\n$$\n")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    assert "<mfrac>" in html
    assert "$" not in html


def test_a_malformed_formula_shows_its_source_instead_of_failing():
    html = render("Broken $\\frac{a}{$ formula")
    assert "<script" not in html
    assert "Broken" in html


def test_code_blocks_are_highlighted_with_classes_not_inline_styles():
    html = render("```python\ndef f(x):\n    return x\n```\n")
    assert '<pre class="highlight"><code class="language-python">' in html
    assert '<span class="k">def</span>' in html
    assert "style=" not in html


def test_unknown_code_language_falls_back_to_plain_text():
    html = render("```nosuchlang\n<b>x</b>\n```\n")
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_tables_render():
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<table>" in html and "<td>1</td>" in html


def test_raw_html_scripts_and_handlers_are_inert():
    html = render(
        '<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n'
        '<a href="/x" hx-get="/admin/" onclick="steal()">link</a>'
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "<a " not in html  # raw HTML is escaped, not interpreted


def test_dangerous_link_schemes_are_dropped():
    html = render(
        "[a](javascript:alert(1)) [b](data:text/html;base64,PHNjcmlwdD4=) [c](https://ok.example)"
    )
    assert "javascript:" not in html.split("[a]")[0] or 'href="javascript' not in html
    assert 'href="javascript' not in html
    assert 'href="data:' not in html
    assert 'href="https://ok.example"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_sanitiser_removes_htmx_attributes_even_from_allowed_tags():
    from questions.markdown import sanitize

    html = sanitize(
        '<a href="/x" hx-post="/delete" hx-trigger="load">x</a><span style="x" class="k">y</span>'
    )
    assert "hx-" not in html
    assert "style=" not in html
    assert 'class="k"' in html
