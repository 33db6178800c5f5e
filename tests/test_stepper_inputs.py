"""What a stepper is given by its caller: labels, drawing options, links. Each bad one is one
clear error from viz (never a TypeError from deep inside, a RenderError from dot or a
UnicodeEncodeError), and a link never runs code in a student's browser."""

import re

import numpy as np
import pytest

import nn
import viz
from autograd import Tensor, Value
from viz.render import find_renderer
from viz.stepper import Stepper

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


@pytest.mark.parametrize("label, error, message", [
    (5, TypeError, "viz: a node's label must be a str, got int 5"),
    (b"x", TypeError, "viz: a node's label must be a str, got bytes b'x'"),
    ("a\x00b", ValueError, "viz: the label 'a\\x00b' contains the unprintable character U+0000 at column 2"),
    ("a\udcffb", ValueError, "viz: the label 'a\\udcffb' is not valid UTF-8 (byte 0xFF at column 2)"),
    ("\ud800", ValueError, "viz: the label '\\ud800' contains the unprintable character U+D800 at column 1"),
    ("x\u202e", ValueError,
     "viz: the label 'x\\u202e' contains the unprintable character U+202E at column 2"),
])
@pytest.mark.parametrize("where", ["leaf", "gate", "tensor"])
def test_bad_labels_are_one_clear_error(tmp_path, label, error, message, where):
    if where == "tensor":
        x = Tensor(np.ones(2), requires_grad=True)
        y = (x * 2).sum()
        x.label = label
    else:
        x = Value(1.0, label="x")
        y = x * 2
        (x if where == "leaf" else y).label = label
    y.backward()
    for call in (lambda: viz.draw(y), lambda: viz.save_stepper(y, tmp_path / "s.html")):
        with pytest.raises(error) as e:
            call()
        assert str(e.value) == message
    assert list(tmp_path.iterdir()) == []


@needs_renderer
def test_save_stepper_takes_the_options_draw_takes(tmp_path):
    """save_stepper(..., names=model) raised a TypeError from seed_frame."""
    model = nn.Linear(2, 1, dtype=np.float64)
    out = model(Tensor(np.ones((1, 2)))).sum()
    out.backward()
    page = (tmp_path / "s.html")
    viz.save_stepper(out, page, names=model, defaults=True)
    html = page.read_text()
    assert html.count("weight") >= 4 and "bias" in html        # names drawn in every frame
    with pytest.raises(TypeError, match=r"^stepper: unknown option 'collapse' \(the drawings take "):
        viz.save_stepper(out, tmp_path / "t.html", collapse=False)
    assert viz.draw_steps(out, names=model)[0].source.count("weight") >= 1


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)",
                                  " javascript:alert(1)", "\x01javascript:alert(1)", "vbscript:msgbox(1)",
                                  "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"])
def test_links_that_run_code_are_refused(href):
    """Stepper(links=[...]) kept javascript: URLs."""
    with pytest.raises(ValueError, match=r"^stepper: link "):
        Stepper(["<svg></svg>"], [""], links=[href])
    s = Stepper(["<svg></svg>"], [""])
    s.links = [href]       # set afterwards: refused when the page is made
    with pytest.raises(ValueError, match=r"^stepper: link "):
        s.page()


@pytest.mark.parametrize("href", [None, "d.html#node=1", "#top", "sub/page.html", "../up.html",
                                  "https://example.org/a?b=c", "HTTP://example.org", "a%3Ab.html",
                                  "page.html?x=javascript:1"])
def test_relative_and_web_links_are_kept(href):
    from viz.stepper import safe_link
    page = Stepper(["<svg></svg>"], [""], links=[href]).page()
    assert safe_link(href) == href
    if href:
        assert f'href="{href.replace("&", "&amp;")}"' in page


@needs_renderer
def test_a_derivation_page_named_like_a_scheme_is_linked_relatively(tmp_path):
    from autograd import functional as F
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True)
    y = F.max_pool2d(x, 2, stride=1).sum()
    y.backward()
    viz.save_stepper(y, tmp_path / "javascript:alert(1).html", derivation=True)
    links = re.findall(r'<a href="([^"]+)"', (tmp_path / "javascript:alert(1).html").read_text())
    assert links and all(link.startswith("javascript%3Aalert%281%29-derivation.html#node=") for link in links)
    assert (tmp_path / "javascript:alert(1)-derivation.html").is_file()
