"""The fields of the Whoosh index, and a document as Whoosh is given it.

Each field costs the indexer at every commit (its terms, postings and column
files are written, then merged again), so a field is here only for what a
search reads:

- `text` (stemmed words, no positions) is what words and prefixes match; the
  heading is written twice into it, so a clause whose heading matches ranks higher.
- `pairs` (each two neighbouring stemmed words, with positions) is what phrases
  match: a two-word phrase is one term, a longer one its pairs in a run
  (`whoosh_phrase`).
- `words` (unstemmed, lower-case, only which documents hold them) is the
  vocabulary of did-you-mean.
- The facet fields are indexed (filters) and stored (a hit's links); their values
  are also in one `facets` column (one column file per segment, not ten), which
  facet counts read.
- heading, body, proposed change and response are stored for snippets only.

The words of a document are found once (`analyse`) and handed to Whoosh as lists:
Whoosh indexes a list of words as given, at positions 0, 1, 2, …, which are the
positions the analyzer would have given them.
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import BiWordFilter, LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.columns import VarBytesColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, NUMERIC, STORED, TEXT, FieldType, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.formats import Existence

# Bump when what the fields hold changes in a way their names and kinds do not show
# (say, how words are analysed): `flask search rebuild --if-outdated` then rebuilds.
SCHEMA_VERSION = 2

# The facet fields, in the order of their values in the `facets` column.
FACET_FIELDS = (
    "kind",
    "standard",
    "version",
    "round",
    "clause",
    "clause_kind",
    "stakeholder",
    "comment_type",
    "decision",
    "public_decision",
)
FACET_SEPARATOR = "\x1f"

# Queries are parsed and snippets highlighted with this analyzer; `analyse` uses its
# tokenizer, stop words and stemmer.
STEMMING = StemmingAnalyzer()


def schema() -> Schema:
    facets = {name: ID(stored=True) for name in FACET_FIELDS}
    return Schema(
        key=ID(unique=True, stored=True),
        access=ID(),
        public_from=NUMERIC(bits=64, signed=True),
        hidden=BOOLEAN(stored=True),
        **facets,
        facets=COLUMN(VarBytesColumn()),
        text=TEXT(analyzer=STEMMING, phrase=False),
        pairs=TEXT(analyzer=StemmingAnalyzer() | BiWordFilter(sep=" "), phrase=True),
        words=FieldType(Existence(), RegexTokenizer() | LowercaseFilter()),
        heading=STORED(),
        body=STORED(),
        proposed=STORED(),
        response=STORED(),
        title=STORED(),
        receipt=STORED(),
        comment_id=STORED(),
    )


def signature(schema_: Schema) -> tuple:
    """What an index written with this schema holds, field by field (see `outdated`)."""
    return tuple(
        (
            name,
            type(field).__name__,
            type(field.format).__name__ if field.format else None,
            bool(field.stored),
            bool(field.scorable),
            type(field.column_type).__name__ if field.column_type else None,
        )
        for name, field in sorted(schema_.items())
    )


_TOKEN = STEMMING.items[0].expression
_STOP = STEMMING.items[2]
_STEM = lru_cache(maxsize=50_000)(STEMMING.items[3].stemfn)
_WORDS_TOKEN = RegexTokenizer().expression


def analyse(text: str) -> tuple[list[str], list[str]]:
    """Return the stemmed words of `text` (as STEMMING finds them) and its distinct words.

    One pass of the tokenizer for `text`, `pairs` and `words`, which each analysed
    the text again (a third of what adding a document cost).
    """
    lowered = [m.group(0).lower() for m in _TOKEN.finditer(text)]
    stops, shortest = _STOP.stops, _STOP.min
    stems = [_STEM(w) for w in lowered if len(w) >= shortest and w not in stops]
    if "*" in text:  # the `words` tokenizer splits at "*", the stemming one does not
        lowered = [m.group(0).lower() for m in _WORDS_TOKEN.finditer(text)]
    return stems, list(dict.fromkeys(lowered))


def whoosh_document(doc: dict) -> dict:
    """The engine-neutral document with the fields Whoosh indexes.

    Phrases may run from one part of the text into the next (as in PostgreSQL's
    concatenated tsvector); the parts are separated by a line break only.
    """
    heading = doc.get("heading", "")
    parts = (heading, heading, *(doc.get(name, "") for name in ("body", "proposed", "response")))
    stems, words = analyse("\n".join(p for p in parts if p))
    pairs = [f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)]
    facets = FACET_SEPARATOR.join(
        str(doc.get(name, "")).replace(FACET_SEPARATOR, " ") for name in FACET_FIELDS
    )
    return {
        **doc,
        "text": stems,
        "pairs": pairs,
        "words": words,
        "facets": facets.encode("utf-8"),
    }


class IndexStorage(FileStorage):
    """The index folder; a writer's temporary files are kept in memory unless `spill`.

    Whoosh gives every writer a temporary folder for its posting pool, created and
    removed at each commit: slow metadata operations for the indexer's small
    commits, whose pools rarely leave memory. A rebuild sets `spill` (its pool does
    spill to disk, past 128 MB) and gets Whoosh's folder at once; an incremental
    commit gets `_SpillOnDemand`, which makes the folder only if its pool spills.
    """

    spill = False

    def temp_storage(self, name=None):
        if self.spill:
            return super().temp_storage(name)
        return _SpillOnDemand(lambda: FileStorage.temp_storage(self, name))


class _SpillOnDemand(RamStorage):
    """A writer's temporary files in memory, but the posting pool's runs in a folder.

    A posting pool past its limit (128 MB) writes sorted runs (`*.run`) through the
    storage's raw files and reads them back to merge. RamStorage keeps a file only
    when its StructFile is closed, never when the raw file is: the run was lost and
    the commit failed with NameError. That happens when an incremental commit's
    merge (`merge_tiers`) gathers large segments, about every 10,000 comments
    indexed: the indexer then retried the same failing commit forever. Runs now go
    to a real temporary folder, made on the first run and removed with the rest.
    """

    RUN = ".run"

    def __init__(self, make_folder) -> None:
        super().__init__()
        self._make_folder = make_folder
        self._folder = None

    def _runs(self):
        if self._folder is None:
            self._folder = self._make_folder()
        return self._folder

    def create_file(self, name, **kwargs):
        if name.endswith(self.RUN):
            return self._runs().create_file(name, **kwargs)
        return super().create_file(name, **kwargs)

    def open_file(self, name, **kwargs):
        if name.endswith(self.RUN):
            return self._runs().open_file(name, **kwargs)
        return super().open_file(name, **kwargs)

    def delete_file(self, name):
        if name.endswith(self.RUN):
            return self._runs().delete_file(name)
        return super().delete_file(name)

    def destroy(self):
        if self._folder is not None:
            self._folder.destroy()
            self._folder = None
        super().destroy()
