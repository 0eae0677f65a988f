"""Paged lists: a page knows its items and what to ask for next; a :class:`Paginator` walks the pages.

The shape is openai-python's ``pagination.py``: each vendor declares its page model once, beside its other wire
models, as a :class:`CursorPage` or :class:`NumberedPage`; the page says which query parameters change for the
following page; iterating a :class:`Paginator` yields every item of every page. Most vendors cap a page (Batch
100, Thrive 1000) and default to less (Batch 10): a client that reads one page silently misses objects, so the
stop rules live here, written once.

No HTTP here (models import this module): the client hands the paginator a ``fetch(params) -> page``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from .errors import ProviderError

ItemT = TypeVar("ItemT")
PageT_co = TypeVar("PageT_co", bound="Page[Any]", covariant=True)
PageT = TypeVar("PageT", bound="Page[Any]")

Params = dict[str, Any]

# A guard, not a limit anyone should meet: a vendor that keeps answering "there is more" would page forever.
MAX_PAGES = 100_000


class Page(BaseModel, Generic[ItemT]):
    """One answer of a paged list."""

    def page_items(self) -> Sequence[ItemT]:
        raise NotImplementedError

    def next_page_params(self, asked: Mapping[str, Any]) -> Params | None:
        """The query parameters that change for the following page (``asked`` asked for this one); None: last."""
        raise NotImplementedError


class CursorPage(Page[ItemT]):
    """Paging by an opaque cursor the answer names (Batch ``next_from``, Sonarly ``nextCursor``)."""

    cursor_param: ClassVar[str] = "cursor"  # the query parameter that carries the cursor back

    def cursor_after(self) -> str | None:
        raise NotImplementedError

    def next_page_params(self, asked: Mapping[str, Any]) -> Params | None:
        cursor = self.cursor_after()
        return {self.cursor_param: cursor} if cursor else None


class NumberedPage(Page[ItemT]):
    """Paging by page number (Thrive ``page``/``perPage``, UnleashX ``page``/``limit``).

    The last page is the one :meth:`total_pages` names when the vendor reports it, else the first short or empty
    one (a full last page is then followed by one empty read: nothing else tells it apart).
    """

    page_param: ClassVar[str] = "page"
    size_param: ClassVar[str] = "limit"

    def total_pages(self) -> int | None:
        return None

    def next_page_params(self, asked: Mapping[str, Any]) -> Params | None:
        count = len(self.page_items())
        if count == 0:
            return None
        number = int(asked[self.page_param])
        total = self.total_pages()
        if total is not None:
            return {self.page_param: number + 1} if number < total else None
        return {self.page_param: number + 1} if count >= int(asked[self.size_param]) else None


class Paginator(Generic[PageT_co]):
    """A paged list not read yet: iterate it for every item, or call :meth:`pages` for whole pages.

    ``params`` ask for the first page; each following request sends them with what the previous page named
    (so the query strings are those the vendor documents, in the same order). The first page is read once and
    kept (:meth:`first_page` then iteration cost one request for it, not two); later pages are read per walk.
    """

    def __init__(self, fetch: Callable[[Params], PageT_co], params: Mapping[str, Any] | None = None, *,
                 what: str, vendor: str) -> None:
        self._fetch = fetch
        self._params: Params = dict(params or {})
        self._first: PageT_co | None = None
        self.what = what
        self.vendor = vendor

    def first_page(self) -> PageT_co:
        if self._first is None:
            self._first = self._fetch(dict(self._params))
        return self._first

    def pages(self) -> Iterator[PageT_co]:
        asked, page = self._params, self.first_page()
        seen: set[tuple[tuple[str, Any], ...]] = set()
        for _ in range(MAX_PAGES):
            yield page
            following = page.next_page_params(asked)
            if following is None:
                return
            key = tuple(sorted(following.items()))
            if key in seen:
                # A vendor handing back a cursor it gave before would loop forever; say so instead.
                named = following.popitem()[1] if len(following) == 1 else following
                raise ProviderError(f"{self.vendor} {self.what}: the vendor returned page {named!r} twice; "
                                    "stopped paging")
            seen.add(key)
            asked = {**asked, **following}
            page = self._fetch(dict(asked))
        raise ProviderError(f"{self.vendor} {self.what}: more than {MAX_PAGES} pages; stopped paging")

    # `self` narrowed to pages of some item type: iterating a Paginator[AudienceList] yields AudienceView.
    def __iter__(self: Paginator[Page[ItemT]]) -> Iterator[ItemT]:
        for page in self.pages():
            yield from page.page_items()
