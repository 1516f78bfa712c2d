"""Query strings, validated: a search URL can be typed, shared, bookmarked or mangled."""
import re

from django import forms

from .search import FACETS, MAX_FILTER_VALUES, MAX_PAGE, SORTS, SearchParams


class FacetValuesField(forms.Field):
    """Several identifiers of one facet. Unknown ones are dropped, never an error: a link to a
    speaker who has since left the archive still shows the other results."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, known=frozenset(), **kwargs):
        super().__init__(required=False, **kwargs)
        self.known = known

    def to_python(self, value):
        if not value:
            return []
        values = [value] if isinstance(value, str) else list(value)
        return list(dict.fromkeys(v for v in values if v in self.known))[:MAX_FILTER_VALUES]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, strip=True)
    speaker = FacetValuesField()
    topic = FacetValuesField()
    language = FacetValuesField()
    interview = FacetValuesField()
    year = FacetValuesField()
    sort = forms.CharField(required=False)
    page = forms.CharField(required=False)

    def __init__(self, data=None, *, vocabulary=None):
        super().__init__(data)
        for name in FACETS:
            self.fields[name].known = frozenset((vocabulary or {}).get(name, ()))

    def clean_sort(self):
        sort = self.cleaned_data.get("sort", "")
        return sort if sort in SORTS else ""  # an unknown order falls back to the default

    def clean_page(self):
        page = self.cleaned_data.get("page") or "1"
        # Checked as text first: a 300-digit page number is just "not a page".
        if not re.fullmatch(r"[0-9]{1,6}", page) or not 1 <= int(page) <= MAX_PAGE:
            raise forms.ValidationError("No such page.")
        return int(page)

    def params(self) -> SearchParams:
        data = self.cleaned_data
        return SearchParams(
            q=data.get("q", ""),
            filters={name: data.get(name, []) for name in FACETS if data.get(name)},
            sort=data.get("sort", ""),
            page=data.get("page", 1),
        )
