"""Files are written only where asked: never through a link, never a user path where a
renderer could read it as an option, every CLI destination checked before any output."""

import os
import sys
from pathlib import Path

import pytest
from helpers import run

import viz
from autograd import Value
from viz.render import find_renderer
from viz.safe_files import OutDir, UnsafePath, write_file

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


def drawing():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    f = x * y
    f.backward()
    return viz.draw(f), f


def victim(tmp_path):
    """A file outside the output folder that a link points at."""
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "precious.txt"
    target.write_text("keep me")
    return outside, target


# ---------------------------------------------------------------- write_file, render, save_stepper

def test_write_file_refuses_a_link_and_leaves_its_target_alone(tmp_path):
    _, target = victim(tmp_path)
    (tmp_path / "link.html").symlink_to(target)
    with pytest.raises(UnsafePath, match=r"link\.html is a symbolic link; refusing to write through it$"):
        write_file(tmp_path / "link.html", "evil")
    assert target.read_text() == "keep me"


def test_write_file_replaces_a_file_and_leaves_no_temporary(tmp_path):
    (tmp_path / "a.txt").write_text("old")
    write_file(tmp_path / "a.txt", "new")
    assert (tmp_path / "a.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    (tmp_path / "d").mkdir()
    with pytest.raises(UnsafePath, match=r"d is a folder, not a file$"):
        write_file(tmp_path / "d", "x")


@pytest.mark.parametrize("name", ["graph.gv", "graph.svg"])
def test_render_refuses_links_before_writing_anything(tmp_path, name):
    _, target = victim(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(target)
    with pytest.raises(UnsafePath, match=rf"{name} is a symbolic link"):
        viz.render(drawing()[0], out / "graph.svg")
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in out.iterdir()) == [name]  # nothing else written


def test_save_stepper_refuses_a_link_before_the_work(tmp_path, monkeypatch):
    _, target = victim(tmp_path)
    (tmp_path / "s.html").symlink_to(target)
    stepper_module = sys.modules["viz.stepper"]  # viz.stepper is also the function viz.stepper()
    monkeypatch.setattr(stepper_module, "render_svgs", lambda *a, **k: pytest.fail("rendered"))
    with pytest.raises(UnsafePath, match=r"s\.html is a symbolic link"):
        viz.save_stepper(drawing()[1], tmp_path / "s.html")
    assert target.read_text() == "keep me"


def test_the_renderer_never_sees_a_user_path(tmp_path, monkeypatch):
    """A fake renderer logs its arguments: every path it gets is absolute, in a private temp
    folder, so '-ofoo' or '-Tpng' typed as a path can never read as an option."""
    log = tmp_path / "argv.log"
    fake = tmp_path / "fake-dot"
    fake.write_text(f"#!{sys.executable}\nimport sys, pathlib\n"
                    f"open({str(log)!r}, 'a').write(repr(sys.argv[1:]) + '\\n')\n"
                    "args = sys.argv[1:]\n"
                    "if '-o' in args:\n"
                    "    pathlib.Path(args[args.index('-o') + 1]).write_text('<svg/>')\n"
                    "else:\n"
                    "    for a in args:\n"
                    "        if a.endswith('.gv'):\n"
                    "            pathlib.Path(a + '.svg').write_text('<svg/>')\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CHAINRULE_DOT", str(fake))
    monkeypatch.chdir(tmp_path)
    viz.render(drawing()[0], "-ofoo")
    viz.render_many([drawing()[0]] * 2, ["-Tpng/a", "./-x/b"])
    calls = [eval(line) for line in log.read_text().splitlines()]  # our own log, written above
    assert len(calls) == 2
    for argv in calls:
        paths = [a for a in argv if a not in ("-Tsvg", "-O", "-o")]
        assert paths and all(os.path.isabs(p) and "chainrule-render-" in p for p in paths), argv
    assert Path("-ofoo.svg").read_text() == "<svg/>" and Path("-ofoo.gv").exists()
    assert Path("-Tpng/a.svg").exists() and Path("-x/b.svg").exists()
    assert not list(Path().glob("noname*"))


# ---------------------------------------------------------------- the CLI's --out

@pytest.mark.parametrize("inside", ["frames", "stepper.html", "graph.gv", "graph.svg",
                                    "frames/step-1.svg"])
def test_cli_refuses_links_inside_out_before_any_output(tmp_path, inside):
    outside, target = victim(tmp_path)
    out = tmp_path / "out"
    (out / "frames").mkdir(parents=True)
    link = out / inside
    if inside == "frames":
        (out / "frames").rmdir()
        link.symlink_to(outside, target_is_directory=True)
        (outside / "step-1.svg").write_text("keep me too")
    else:
        link.symlink_to(target)
    code, stdout, err = run("explain", "x * y", "x=2", "y=3", "--out", str(out))
    assert (code, stdout) == (2, "")
    what = "follow it" if inside == "frames" else "write through it"
    assert err == f"chainrule: error: --out {out}: {link} is a symbolic link; refusing to {what}\n"
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in outside.iterdir()) == sorted(
        ["precious.txt"] + (["step-1.svg"] if inside == "frames" else []))


def test_cli_refuses_a_folder_where_a_picture_goes(tmp_path):
    (tmp_path / "graph.svg").mkdir()
    code, stdout, err = run("explain", "x * y", "x=2", "y=3", "--out", str(tmp_path))
    assert (code, stdout) == (2, "")
    assert err == f"chainrule: error: --out {tmp_path}: {tmp_path / 'graph.svg'} is a folder, not a file\n"


def test_cli_refuses_an_empty_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (["--out="], ["--out", ""], ["--out", "  "]):
        code, stdout, err = run("explain", "x * y", "x=2", "y=3", *argv)
        assert (code, stdout) == (2, "")
        assert err == "chainrule: error: --out needs a folder name (got an empty value)\n"
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UnsafePath, match="--out needs a folder name"):
        OutDir("")


def test_cli_refuses_names_the_system_cannot_take_before_any_output(tmp_path):
    code, stdout, err = run("explain", "x * y", "x=2", "y=3", "--out", str(tmp_path / ("n" * 300)))
    assert (code, stdout) == (2, "")
    assert err.count("\n") == 1 and "(File name too long)" in err, err
    # a folder that can be made, but whose frames/step-1.svg would be past the path limit
    limit = os.pathconf(tmp_path, "PC_PATH_MAX")
    deep = tmp_path
    while len(str(deep)) < limit - 250:
        deep = deep / ("d" * 200)
    deep = deep / ("e" * (limit - len(str(deep)) - 12))
    assert len(str(deep)) < limit - 1
    code, stdout, err = run("explain", "x * y", "x=2", "y=3", "--out", str(deep))
    assert (code, stdout) == (2, ""), err
    assert err.count("\n") == 1 and "(File name too long)" in err


@needs_renderer
def test_out_values_that_look_like_options_are_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (["--out=-ofoo"], ["--out", "-Tpng"]):
        code, _, err = run("explain", "x * y", "x=2", "y=3", *argv)
        assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["-Tpng", "-ofoo"]
    assert (tmp_path / "-ofoo" / "graph.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "-Tpng" / "stepper.html").exists()


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_written_files_get_the_permissions_open_would_give(tmp_path, mask):
    """write_file goes through a temporary file; the result must be readable as the user's
    umask allows (e.g. a stepper page served to a class), and the umask is never touched."""
    previous = os.umask(mask)
    try:
        path = write_file(tmp_path / "page.html", "hello")
        assert os.umask(mask) == mask          # still the user's
    finally:
        os.umask(previous)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask


QUIZ = ("quiz", "--level", "scalar", "--count", "1")
POOL = ("pool", "--input", "1 2; 3 4", "--kernel", "2")


@pytest.mark.parametrize("command, inside", [(QUIZ, "quiz.html"), (QUIZ, "answers.html"),
                                             (POOL, "stepper.html"), (POOL, "stepper-derivation.html"),
                                             (POOL, "frames/frame-001.svg")])
def test_quiz_and_derivations_refuse_a_link_inside_out_before_any_output(tmp_path, command, inside):
    outside, target = victim(tmp_path)
    out = tmp_path / "out"
    (out / "frames").mkdir(parents=True)
    (out / inside).symlink_to(target)
    code, stdout, err = run(*command, "--out", str(out))
    assert (code, stdout) == (2, "")
    assert err == (f"chainrule: error: --out {out}: {out / inside} is a symbolic link; "
                   "refusing to write through it\n")
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in out.iterdir()) == sorted({"frames", Path(inside).parts[0]})
    assert [p.name for p in outside.iterdir()] == ["precious.txt"]
