"""Make indexer/data/stopwords_sq.txt: an Albanian stop list (stopwordsiso has none).

    python -m indexer.data.make_sq_stopwords [--corpus DIR] [--text FILE ...] [--check]

Candidates are the words found in at least MIN_DF "documents" of Albanian text, where a
document is one sentence: the shared corpus has only a few Albanian entries, too few
for entry-level document frequency to separate function words from the topic words an
entry repeats.  Every candidate was reviewed by hand: topic words ("barazi", "dhënat",
"iniciativa") are rejected in REVIEWED_CONTENT, and the closed-class words of Albanian
(articles, clitics, prepositions, conjunctions, pronouns, auxiliaries) are added from
CLOSED_CLASS even when the small corpus does not show them.  Re-run with more Albanian
text (--text) and review the new candidates it prints.  --check exits 1 when the file on
disk differs from what this script would write (used by the tests).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

log = logging.getLogger("make_sq_stopwords")

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "stopwords_sq.txt"
MIN_DF = 2
MAX_LEN = 8  # longer frequent words are topic words in this corpus


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Closed-class Albanian words: the function words a stop list exists for.
CLOSED_CLASS = _words(
    """
    e i të së u do po le pa
    në nga me për mbi nën pas para prej tek te deri drejt gjatë pranë rreth sipas
    kundër midis ndërmjet përveç përmes nëpër jashtë brenda afër mes
    dhe ose apo por që sepse se nëse kur si edhe as ndërsa megjithëse pasi meqë
    derisa sikur ashtu prandaj kështu gjithashtu madje veç
    unë ti ai ajo ne ju ata ato më na ia ua atë atij asaj atyre
    ky kjo këta këto këtë këtij kësaj këtyre
    cili cila cilët cilat cilin cilën cilit cilës kush çfarë çdo secili secila
    gjithë gjitha tjetër tjerë tjera vetë tij saj tyre
    është janë jam je jemi jeni ishte ishin qe qenë kishte kanë ka kam ke kemi keni
    kishin jetë mund duke bashku
    nuk mos jo shumë pak vetëm ende akoma tashmë atje këtu ku sa pse
    një
    """
)

# Frequent in the corpus sentences but content words: reviewed by hand and rejected.
REVIEWED_CONTENT = _words(
    """
    barazi barazia barazisë barazinë dhëna dhënat dhënave iniciativa iniciativë
    iniciativës synuara qëllimi qëllim strategji strategjia oslo oslos komuna komunë
    montreal irlandë popullsisë politikave rëndësi rëndësisë
    """
)

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE = re.compile(r"(?<=[.!?:;…])\s+|\n+")


def default_corpus() -> Path:
    env = os.environ.get("GPSEARCH_SHARED_CORPUS")
    if env:
        return Path(env)
    return HERE.parents[2] / "shared" / "corpus"


def albanian_texts(corpus: Path) -> Iterator[str]:
    """Title and summary of every distinct Albanian entry of the shared corpus."""
    seen = set()
    for name in ("entries.jsonl", "seed-entries.jsonl"):
        path = corpus / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("gold_language") != "sq":
                continue
            key = (record["title"], record["summary"])
            if key not in seen:
                seen.add(key)
                yield f"{record['title']}.\n{record['summary']}"


def sentence_df(texts: Iterable[str]) -> Counter[str]:
    df: Counter[str] = Counter()
    for text in texts:
        for sentence in _SENTENCE.split(text):
            df.update({w.lower() for w in _WORD.findall(sentence)})
    return df


def build(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """The stop list and the candidates rejected by review (for the log)."""
    df = sentence_df(texts)
    candidates = {w for w, n in df.items() if n >= MIN_DF and len(w) <= MAX_LEN}
    rejected = sorted(candidates & REVIEWED_CONTENT)
    unreviewed = sorted(candidates - REVIEWED_CONTENT - CLOSED_CLASS)
    if unreviewed:
        log.warning("new candidates, review them: %s", " ".join(unreviewed))
    words = sorted((candidates - REVIEWED_CONTENT) | CLOSED_CLASS)
    return words, rejected


def render(words: list[str], n_texts: int) -> str:
    header = [
        "# Albanian stopwords for indexer/analysis.py (stopwordsiso has no Albanian list).",
        "# Made by indexer/data/make_sq_stopwords.py: words in >= "
        f"{MIN_DF} sentences of the {n_texts} Albanian",
        "# corpus entries, reviewed by hand (topic words such as 'barazi' and 'dhënat'",
        "# rejected) plus the closed-class words of Albanian (articles, clitics,",
        "# prepositions, conjunctions, pronouns, auxiliaries).  One word a line, lowercase.",
    ]
    return "\n".join([*header, *words]) + "\n"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--text", type=Path, action="append", default=[])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    texts = list(albanian_texts(args.corpus))
    texts += [p.read_text(encoding="utf-8") for p in args.text]
    words, rejected = build(texts)
    log.info("%d texts, %d stopwords, rejected by review: %s", len(texts), len(words), rejected)
    content = render(words, len(texts))
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == content
        return 0 if same else 1
    OUTPUT.write_text(content, encoding="utf-8")
    log.info("wrote %s", OUTPUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
