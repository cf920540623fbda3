"""Pages of rows: /steps and /table show PAGE_SIZE rows at a time, by ?offset=."""

from __future__ import annotations

PAGE_SIZE = 100


def page_start(offset: int, total: int) -> int:
    """The first row of the page holding row `offset`; past the end, the last page."""
    return max(0, min(offset, total - 1)) // PAGE_SIZE * PAGE_SIZE if total else 0


class Paged:
    """Links to the pages around one page (templates/runs/_pager.html)."""

    offset: int
    total: int

    @property
    def shown(self) -> int:
        """Rows on this page."""
        raise NotImplementedError

    @property
    def previous_offset(self) -> int:
        return max(0, self.offset - PAGE_SIZE)

    @property
    def next_offset(self) -> int | None:
        return self.offset + PAGE_SIZE if self.offset + PAGE_SIZE < self.total else None

    @property
    def last_shown(self) -> int:
        return self.offset + self.shown
