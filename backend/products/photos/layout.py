"""Where OCR's text lines sit: rows of cells, left to right, as a person reads a table.

OCR returns boxes one by one; "型号" and its value "BCD-215TDGA" are two boxes when the form
leaves a gap between them, and the 规格型号 column's value is a box under its header. A photo
is a little turned, so the boxes are first turned back by the text's own slope: on a wide
table a 2° turn moves the row's right end by more than a line's height.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One text box as OCR read it: the text, its corners' bounding box (left, top, right,
    bottom, in pixels; all 0 for text given without a place), the slope of its top edge
    (radians), the recogniser's confidence in it (0-1, its letters' mean) and in each of its
    letters (empty: the line's for each)."""

    text: str
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    slope: float = 0.0
    score: float = 1.0
    letters: tuple[float, ...] = ()

    @classmethod
    def from_points(cls, text: str, points: Sequence[tuple[float, float]], score: float,
                    letters: Sequence[float] = ()) -> Line:
        xs, ys = [x for x, _ in points], [y for _, y in points]
        (x0, y0), (x1, y1) = points[0], points[1]  # top-left, top-right (OCR's order)
        slope = math.atan2(y1 - y0, x1 - x0) if x1 != x0 else 0.0
        return cls(text, (min(xs), min(ys), max(xs), max(ys)), slope, score, tuple(letters))

    @property
    def placed(self) -> bool:
        return self.box != (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Cell:
    """A line in the photo's upright frame: its text, the confidence in it and in each of its
    letters, left and right edges, middle height, height."""

    text: str
    score: float
    letters: tuple[float, ...]
    left: float
    right: float
    middle: float
    height: float


Row = list[Cell]


def rows(lines: Iterable[Line | str]) -> list[Row]:
    """The lines as rows of cells, top to bottom, each row left to right. Text without a place
    (tests, plain strings) is one row per line, in the order given."""
    given = [Line(line) if isinstance(line, str) else line for line in lines]
    given = [line for line in given if line.text.strip()]
    if not given or not all(line.placed for line in given):
        return [[Cell(line.text, line.score, _letters(line), 0.0, 10.0 * len(line.text), 20.0 * i,
                      10.0)]
                for i, line in enumerate(given)]
    return _group(_upright(given))


def _letters(line: Line) -> tuple[float, ...]:
    return line.letters if len(line.letters) == len(line.text) else (line.score,) * len(line.text)


def _upright(lines: list[Line]) -> list[Cell]:
    """Cells with the photo's slope taken out (the median slope of the wider boxes: short
    ones have unreliable slopes)."""
    wide = [line.slope for line in lines
            if line.box[2] - line.box[0] > 2 * (line.box[3] - line.box[1])]
    angle = statistics.median(wide) if wide else 0.0
    cos, sin = math.cos(-angle), math.sin(-angle)
    cells = []
    for line in lines:
        x0, y0, x1, y1 = line.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        # The box's own extent, its slope removed (the bounding box of a turned line is taller
        # than the line by its width × the slope).
        width = (x1 - x0) / max(abs(cos), 1e-6) if abs(angle) < 0.3 else x1 - x0
        height = max((y1 - y0) - abs(math.tan(angle)) * (x1 - x0), (y1 - y0) * 0.3, 1.0)
        ux, uy = cx * cos - cy * sin, cx * sin + cy * cos
        cells.append(Cell(line.text, line.score, _letters(line), ux - width / 2, ux + width / 2,
                          uy, height))
    return cells


def _group(cells: list[Cell]) -> list[Row]:
    """Cells whose middles are within half a line's height of a row's middle join that row."""
    grouped: list[Row] = []
    for cell in sorted(cells, key=lambda cell: cell.middle):
        if grouped:
            row = grouped[-1]
            middle = statistics.fmean(other.middle for other in row)
            height = min(cell.height, min(other.height for other in row))
            if abs(cell.middle - middle) < 0.5 * height:
                row.append(cell)
                continue
        grouped.append([cell])
    return [sorted(row, key=lambda cell: cell.left) for row in grouped]


def below(grid: list[Row], row_index: int, cell: Cell) -> tuple[int, int] | None:
    """Where the nearest cell under `cell` is that overlaps it horizontally (a column's value
    under its header), within three lines' height: (row, column)."""
    for r in range(row_index + 1, min(row_index + 4, len(grid))):
        for c, candidate in enumerate(grid[r]):
            if candidate.middle - cell.middle > 3.5 * max(cell.height, 1.0):
                return None
            overlap = min(candidate.right, cell.right) - max(candidate.left, cell.left)
            if overlap > 0.3 * min(cell.right - cell.left, candidate.right - candidate.left):
                return r, c
    return None
