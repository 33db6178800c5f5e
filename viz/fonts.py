"""The one font of every drawing, and how wide its text is.

Every picture names DejaVu Sans first and is laid out with its metrics:
- it is the sans-serif a minimal Linux install has (where Helvetica's substitute is DejaVu
  Sans), so a picture looks there exactly as laid out;
- the system `dot` measures it through fontconfig, graphviz-pure with its built-in table
  for it, so both renderers lay out the same widths;
- it is wider than Helvetica, Arial and their metric twins (Liberation Sans, Arimo) for
  every ASCII character, so where it is missing (the FALLBACK fonts, on macOS or Windows)
  text comes out a little narrower than its box: looser, never overflowing.

text_width gives the same measure for the pictures chainrule lays out itself (line charts,
grid cells): DejaVu Sans's advance widths, in thousandths of an em, for ASCII 32..126.
"""

from __future__ import annotations

FONT = "DejaVu Sans"
# what an SVG or a page asks for: the layout font, then narrower ones only
FALLBACK = "DejaVu Sans,Bitstream Vera Sans,Arial,Helvetica,sans-serif"

_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775,
    752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390,
    337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838)
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696,
    696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821,
    837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457,
    365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
    716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838)
WIDEST = 1103  # anything outside ASCII (Greek, arrows) is counted as wide as DejaVu's widest


def text_width(text, size, bold=False):
    """Width of ``text`` set in DejaVu Sans at ``size`` (points or pixels: the unit of size)."""
    table = _BOLD if bold else _REGULAR
    return size * sum(table[ord(c) - 32] if 32 <= ord(c) < 127 else WIDEST for c in str(text)) / 1000
