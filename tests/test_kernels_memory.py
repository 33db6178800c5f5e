"""kernels.memory's huge-page advice: the arithmetic of whole 2 MiB pages inside a block,
and what _prefer_huge_pages asks of the OS (mocked: the advice itself is not observable
reliably, Linux grants huge pages only when it has them)."""

from unittest import mock

import numpy as np
import pytest

from autograd.kernels import memory

MIB = 2**20


@pytest.mark.parametrize("address, nbytes, want", [
    (0, 4 * MIB, (0, 4 * MIB)),                       # aligned: every page
    (16, 4 * MIB, (2 * MIB, 2 * MIB)),                # 16 bytes past a boundary: one whole page
    (2 * MIB - 1, 4 * MIB + 1, (2 * MIB, 4 * MIB)),
    (MIB, 2 * MIB, (2 * MIB, 0)),                     # no whole page inside
    (3 * MIB, MIB, (4 * MIB, 0)),
])
def test_huge_page_span(address, nbytes, want):
    assert memory.huge_page_span(address, nbytes) == want


def test_prefer_huge_pages_advises_whole_pages_of_each_block():
    libc = mock.Mock()
    with mock.patch.object(memory.ctypes, "CDLL", return_value=libc), \
            mock.patch.object(memory.sys, "platform", "linux"):
        memory._prefer_huge_pages(blocks=3, nbytes=5 * MIB)
    calls = libc.madvise.call_args_list
    assert len(calls) == 3
    for (start, length, advice), _ in calls:
        assert advice == memory._MADV_HUGEPAGE == 14
        assert start % (2 * MIB) == 0 and length % (2 * MIB) == 0 and 2 * MIB <= length <= 4 * MIB


def test_prefer_huge_pages_does_nothing_elsewhere_or_without_madvise():
    with mock.patch.object(memory.ctypes, "CDLL") as cdll, \
            mock.patch.object(memory.sys, "platform", "darwin"):
        memory._prefer_huge_pages()
    cdll.assert_not_called()
    with mock.patch.object(memory.ctypes, "CDLL", side_effect=OSError("no libc")), \
            mock.patch.object(memory.sys, "platform", "linux"), \
            mock.patch.object(memory.np, "empty", wraps=np.empty) as empty:
        memory._prefer_huge_pages()
    empty.assert_not_called()
