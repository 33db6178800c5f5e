"""Loading .npz files that should not load: bombs, wrong dtypes, NaN weights, broken zips.

Every case is one ValueError (KeyError for names that do not match a model) naming the file
and the member; bombs are refused from their headers, with memory asserted by tracemalloc.
"""

import io
import os
import tracemalloc
import zipfile

import numpy as np
import pytest
from helpers import refuses_fifo
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from nn.npz_reader import read_npz

MB = 1 << 20


def npy_header(shape, descr="<f4", fortran=False):
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        f, {"descr": descr, "fortran_order": fortran, "shape": tuple(shape)})
    return f.getvalue()


def write_zip(path, members, method=zipfile.ZIP_DEFLATED):
    """members: name -> bytes, or name -> (header bytes, number of zero bytes after it)."""
    with zipfile.ZipFile(path, "w", compression=method, compresslevel=1) as z:
        for name, body in members.items():
            with z.open(name, "w", force_zip64=True) as f:
                if isinstance(body, bytes):
                    f.write(body)
                    continue
                head, zeros = body
                f.write(head)
                block = bytes(4 * MB)
                while zeros > 0:
                    f.write(block[:min(zeros, len(block))])
                    zeros -= len(block)
    return path


def npy(a):
    f = io.BytesIO()
    np.save(f, a, allow_pickle=False)
    return f.getvalue()


def linear_file(tmp_path, **extra):
    layer = nn.Linear(2, 3)
    members = {"weight.npy": npy(layer.weight.data), "bias.npy": npy(layer.bias.data), **extra}
    return write_zip(tmp_path / "w.npz", members)


def peak_mb(fn):
    tracemalloc.start()
    try:
        try:
            fn()
        except (ValueError, KeyError) as e:
            err = e
        else:
            err = None
        return tracemalloc.get_traced_memory()[1] / MB, err
    finally:
        tracemalloc.stop()


@pytest.fixture
def decompressed(monkeypatch):
    """A list that receives the size of every chunk a zip member stream hands out: the work
    done, measured in bytes rather than seconds."""
    sizes = []
    read, readinto = zipfile.ZipExtFile.read, zipfile.ZipExtFile.readinto

    def counting_read(self, n=-1):
        data = read(self, n)
        sizes.append(len(data))
        return data

    def counting_readinto(self, b):
        got = readinto(self, b)
        sizes.append(got or 0)
        return got

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    monkeypatch.setattr(zipfile.ZipExtFile, "readinto", counting_readinto)
    return sizes


def test_refused_bombs_cost_bytes_of_headers_not_their_contents(tmp_path, decompressed):
    path = linear_file(tmp_path, **{"junk.npy": (npy_header((16 * MB,), "|u1"), 16 * MB)})
    with pytest.raises(KeyError):
        nn.Linear(2, 3).load(path)
    assert sum(decompressed) == 0  # the names alone decided
    members = {"weight.npy": (npy_header((3, 2)), 16 * MB), "bias.npy": npy(np.zeros(3, "f4"))}
    write_zip(tmp_path / "w.npz", members)
    decompressed.clear()
    with pytest.raises(ValueError, match="declares 152 bytes but the zip records"):
        nn.Linear(2, 3).load(tmp_path / "w.npz")
    assert sum(decompressed) <= 3 * 128  # .npy headers only (checked, then re-read before data)


# ---------------------------------------------------------------- bombs, by their headers

def test_an_unexpected_bomb_member_is_never_decompressed(tmp_path):
    path = linear_file(tmp_path, **{"junk.npy": (npy_header((64 * MB,), "|u1"), 64 * MB)})
    assert path.stat().st_size < 1 * MB
    peak, err = peak_mb(lambda: nn.Linear(2, 3).load(path))
    assert isinstance(err, KeyError) and "unexpected junk" in str(err) and "w.npz" in str(err)
    assert peak < 50
    peak, _ = peak_mb(lambda: nn.Linear(2, 3).load(path, strict=False))  # skipped, not read
    assert peak < 50


def test_many_unexpected_members_make_one_short_line(tmp_path):
    path = linear_file(tmp_path, **{f"m{k}.npy": npy(np.zeros(1)) for k in range(500)})
    with pytest.raises(KeyError) as e:
        nn.Linear(2, 3).load(path)
    assert str(e.value).strip("'\"") == (f"load: {path}: names do not match: unexpected m0, m1, m2, m3, "
                                         "m4, m5, m6, m7, ... (492 more)")


def test_a_bomb_under_a_real_name_is_refused_by_its_shape(tmp_path):
    members = {"weight.npy": (npy_header((8192, 8192)), 64 * MB), "bias.npy": npy(np.zeros(3, "f4"))}
    path = write_zip(tmp_path / "w.npz", members)
    peak, err = peak_mb(lambda: nn.Linear(2, 3).load(path))
    assert str(err).endswith("shape mismatch: weight expects (3, 2) but got (8192, 8192)")
    assert peak < 50


def test_a_header_that_lies_about_the_data_size_is_refused_before_reading(tmp_path):
    # the header says (3, 2) float32 (24 bytes) but 64 MB follow it
    members = {"weight.npy": (npy_header((3, 2)), 64 * MB), "bias.npy": npy(np.zeros(3, "f4"))}
    path = write_zip(tmp_path / "w.npz", members)
    peak, err = peak_mb(lambda: nn.Linear(2, 3).load(path))
    assert "member 'weight' declares 152 bytes but the zip records 67108992" in str(err)
    assert peak < 50


def test_a_huge_declared_shape_is_refused_without_a_memory_error(tmp_path):
    path = write_zip(tmp_path / "huge.npz", {"x.npy": npy_header((1 << 40, 2), "<f4") + b"\0" * 64})
    peak, err = peak_mb(lambda: nn.load(path))
    assert str(err) == (f"load: {path} declares 8796093022208 bytes of arrays, more than "
                        f"max_bytes={1 << 30}")
    assert peak < 50


def test_max_bytes_bounds_a_file_read_without_a_model(tmp_path):
    path = tmp_path / "a.npz"
    nn.save({"a": np.ones(100), "b": np.ones(100)}, path)
    assert nn.load(path, max_bytes=1600)["b"].sum() == 100
    with pytest.raises(ValueError, match=r"declares 1600 bytes of arrays, more than max_bytes=1599"):
        nn.load(path, max_bytes=1599)


# ---------------------------------------------------------------- dtypes and values

@pytest.mark.parametrize("array, why", [
    (np.array(["ab", "cd"]), "has dtype <U2, expected a real float array"),
    (np.array([b"ab", b"cd"]), "has dtype |S2, expected a real float array"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "has dtype datetime64[D], expected a real float"),
    (np.ones((3, 2), np.complex64), "has dtype complex64, expected a real float array"),
    (np.ones((3, 2), np.int32), "has dtype int32, expected a real float array"),
    (np.ones((3, 2), bool), "has dtype bool, expected a real float array"),
])
def test_non_float_weights_are_refused_by_a_model(tmp_path, array, why):
    path = write_zip(tmp_path / "w.npz", {"weight.npy": npy(array), "bias.npy": npy(np.zeros(3, "f4"))})
    layer = nn.Linear(2, 3)
    before = layer.weight.data.copy()
    with pytest.raises(ValueError) as e:
        layer.load(path)
    assert str(e.value).startswith(f"load: {path}, member 'weight' {why}")
    assert np.array_equal(layer.weight.data, before)  # nothing changed


@pytest.mark.parametrize("array", [np.array(["ab"]), np.array([1j]), np.array([b"x"]),
                                   np.array(["2020-01-01"], dtype="datetime64[D]")])
def test_a_file_read_without_a_model_takes_only_real_numbers(tmp_path, array):
    path = write_zip(tmp_path / "x.npz", {"x.npy": npy(array)})
    with pytest.raises(ValueError, match=rf"^load: {path}, member 'x' has dtype .*, expected a real "
                                         "float or an integer or an unsigned integer or a boolean array$"):
        nn.load(path)


def test_object_arrays_are_refused_as_pickles(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"member 'x' contains pickled objects; refusing"):
        nn.load(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_weights_need_allow_nonfinite(tmp_path, bad):
    layer = nn.Linear(2, 3)
    layer.weight.data[1, 0] = bad
    path = tmp_path / "w.npz"
    layer.save(path)
    with pytest.raises(ValueError, match=r"member 'weight' holds NaN or inf values "
                                         r"\(pass allow_nonfinite=True to load them anyway\)"):
        nn.Linear(2, 3).load(path)
    with pytest.raises(ValueError, match="holds NaN or inf"):
        nn.load(path)
    other = nn.Linear(2, 3).load(path, allow_nonfinite=True)
    assert np.array_equal(other.weight.data, layer.weight.data, equal_nan=True)
    assert np.isnan(nn.load(path, allow_nonfinite=True)["weight"][1, 0]) == np.isnan(bad)


def test_a_float64_beyond_float32_range_is_refused_not_made_inf(tmp_path):
    path = tmp_path / "w.npz"
    nn.save({"weight": np.full((3, 2), 1e300), "bias": np.zeros(3)}, path)
    with pytest.raises(ValueError, match=r"member 'weight' holds 1e\+300, out of the range of "
                                         r"the parameter's float32 \(it would become inf\)"):
        nn.Linear(2, 3).load(path)
    assert nn.Linear(2, 3, dtype=np.float64).load(path).weight.data[0, 0] == 1e300


# ---------------------------------------------------------------- broken files

def test_broken_files_are_one_value_error_naming_file_and_member(tmp_path):
    good = tmp_path / "good.npz"
    nn.save(nn.Linear(2, 3), good)
    raw = good.read_bytes()

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=rf"^load: {truncated} is not a readable \.npz file \("):
        nn.load(truncated)

    corrupt = tmp_path / "corrupt.npz"  # the data bytes of the first member flipped: CRC fails
    start = raw.index(b"\x93NUMPY") + 128
    corrupt.write_bytes(raw[:start] + bytes(b ^ 0xFF for b in raw[start:start + 8]) + raw[start + 8:])
    with pytest.raises(ValueError, match=rf"^load: {corrupt}, member 'weight' is corrupt \(Bad CRC-32"):
        nn.load(corrupt)

    with pytest.raises(ValueError, match=rf"^load: {tmp_path} is a folder, not an \.npz file$"):
        nn.load(tmp_path)


def test_deflated_garbage_is_corrupt_not_a_zlib_error(tmp_path):
    path = tmp_path / "z.npz"
    write_zip(path, {"x.npy": npy(np.arange(1000.0))})
    raw = bytearray(path.read_bytes())
    at = raw.index(b"x.npy") + 5 + 60  # inside the deflate stream of the member
    raw[at:at + 16] = b"\xff" * 16
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=rf"^load: {path}, member 'x' (is corrupt|has a bad \.npy header)"):
        nn.load(path)


def test_encrypted_and_unknown_compression_are_refused(tmp_path):
    path = write_zip(tmp_path / "b.npz", {"x.npy": npy(np.ones(3))}, method=zipfile.ZIP_BZIP2)
    with pytest.raises(ValueError, match=rf"^load: {path}, member 'x' uses an unsupported "
                                         r"compression \(method 12\)$"):
        nn.load(path)
    enc = tmp_path / "e.npz"
    write_zip(enc, {"x.npy": npy(np.ones(3))})
    raw = bytearray(enc.read_bytes())
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # local and central headers
        k = raw.index(sig)
        raw[k + flag_at] |= 1
    enc.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=rf"^load: {enc}, member 'x' is encrypted$"):
        nn.load(enc)


def test_headers_and_members_that_are_not_npy_arrays(tmp_path):
    long_header = tmp_path / "long.npz"
    head = npy_header((3,), "<f8")
    pad = b" " * 20000
    big = head[:6] + b"\x01\x00" + (len(head) - 10 + len(pad)).to_bytes(2, "little") \
        + head[10:-1] + pad + b"\n"
    write_zip(long_header, {"x.npy": big + bytes(24)})
    with pytest.raises(ValueError, match=rf"^load: {long_header}, member 'x' has a bad \.npy "
                                         r"header \(its \.npy header is too long\)$"):
        nn.load(long_header)
    other = write_zip(tmp_path / "o.npz", {"x.npy": npy(np.ones(2)), "notes.txt": b"hello"})
    with pytest.raises(ValueError, match=r"member 'notes.txt' is not an \.npy array"):
        nn.load(other)
    garbage = write_zip(tmp_path / "g.npz", {"x.npy": b"\x93NUMPY\x09\x00junk"})
    with pytest.raises(ValueError, match=r"member 'x' has a bad \.npy header"):
        nn.load(garbage)
    short = write_zip(tmp_path / "s.npz", {"x.npy": npy(np.ones(4))[:-8]})
    with pytest.raises(ValueError, match=r"member 'x' declares 160 bytes but the zip records 152"):
        nn.load(short)


# ---------------------------------------------------------------- what must keep loading

@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(0, 4), max_size=3),
       dtype=st.sampled_from(["f2", "f4", ">f8", "i1", "u2", "<i8", "?"]),
       fortran=st.booleans())
def test_valid_files_round_trip_exactly(tmp_path_factory, shape, dtype, fortran):
    a = (np.arange(int(np.prod(shape))) % 7).astype(dtype).reshape(shape)
    a = np.asfortranarray(a) if fortran else a
    path = tmp_path_factory.mktemp("rt") / "a.npz"
    nn.save({"a": a, "b": a.T}, path)
    back = read_npz(path)
    assert back["a"].dtype == a.dtype and np.array_equal(back["a"], a)
    assert np.array_equal(back["b"], a.T)


# ---------------------------------------------------------------- FIFOs, header messages, names

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("load", [lambda p: nn.load(p), lambda p: nn.Linear(2, 3).load(p),
                                  lambda p: read_npz(p)])
def test_a_fifo_is_refused_without_blocking(tmp_path, load):
    """open() on a FIFO waits for a writer: every loader hung forever."""
    fifo = tmp_path / "w.npz"
    os.mkfifo(fifo)
    e = refuses_fifo(lambda: load(fifo), fifo)
    assert isinstance(e, ValueError) and str(e) == f"load: {fifo} is not a regular file (a FIFO)"


def test_a_header_that_is_code_is_named_without_python_object_reprs(tmp_path):
    header = b"{'descr': f(), 'fortran_order': False, 'shape': (2,), }"
    header += b" " * (63 - 10 - len(header)) + b"\n"
    raw = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(16)
    path = write_zip(tmp_path / "x.npz", {"x.npy": raw})
    with pytest.raises(ValueError) as e:
        nn.load(path)
    assert str(e.value) == (f"load: {path}, member 'x' has a bad .npy header (the header is not a "
                            "plain dictionary of literals)")
    assert "object at 0x" not in str(e.value)


@pytest.mark.parametrize("name", ["../../evil", "/etc/evil", "a/b", "a\\b", "c:evil", "..", ".", "",
                                  ".hidden", "x\x00y", "x\x1b[2J", "x\udcff", "\u202eevil", 5, "n" * 201])
def test_save_refuses_member_names_that_are_paths(tmp_path, name):
    """nn.save({"../../evil": a}) wrote a zip member named ../../evil.npy."""
    with pytest.raises(ValueError, match=r"^save: .* is not a safe array name \("):
        nn.save({name: np.ones(2)}, tmp_path / "w.npz")
    assert list(tmp_path.iterdir()) == []


def test_save_keeps_names_numpy_would_take_as_its_own_arguments(tmp_path):
    """np.savez(f, **arrays) takes an array named allow_pickle as its option, and one named
    file as a second file argument."""
    arrays = {"file": np.ones(2), "allow_pickle": np.arange(3), "layer1.0.weight": np.eye(2, dtype="f4")}
    nn.save(arrays, tmp_path / "w.npz")
    back = nn.load(tmp_path / "w.npz")
    assert list(back) == list(arrays)
    for k, a in arrays.items():
        assert back[k].dtype == a.dtype and np.array_equal(back[k], a)
