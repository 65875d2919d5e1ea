"""The indexer: from entries to a searchable index generation on disk.

Data flows corpus -> indexer -> search; nothing here imports search/ or webui/.

Words and languages
  languages.py    the table of languages: one row (Pipeline) per analysis language with
                  its stemmer/lemmatizer, stopword source, elisions, spelling rewrites,
                  scripts and detection columns; the one alias table; script of a letter
  folding.py      the one tokenizer (TOKEN_RE), case/accent folding, Cyrillic -> Latin
  stemming.py     Snowball stemmers, simplemma lemmas, the light suffix rules
  stopwords.py    stop lists (Snowball, stopwordsiso, or data/stopwords_*.txt)
  analysis.py     term(): a word's indexed term; the Whoosh filters and analysers
  detect.py       language detection of entries and queries (langdetect's profiles)
  ngram_model.py  langdetect's profiles as one (dense or sparse) log-probability matrix
  southslavic.py  the detection rules for Serbian, Croatian, Bosnian, Slovenian, Macedonian
  concepts.py     the cross-language lexicon (data/concepts.tsv), analysed

Building
  schema.py       the Whoosh schema and an entry's stored document
  build.py        build_index(): plan -> write segments -> write side files -> publish;
                  update_index(): the same for entries and ids given (upsert, delete);
                  index_sources(): load files and build, as `gpsearch index` does
  plan.py         what a build or an update has to do (from the manifest)
  build_report.py what a build reports (counts, the live index's languages and locales)
  manifest.py     what a generation remembers of each entry (content hash, source file)
  resources.py    the analysed lexicon and topic assigner a build reads and keeps
  known_lines.py  the JSONL lines a generation imported, so the next import skips them
  workers.py      the build's worker processes (detection pool, Whoosh's writer), which
                  die with it
  postings.py     postings, facet columns and word pairs as numpy arrays per segment
  groups.py       translation groups (and how an editor overrides them)
  signatures.py   each segment's grouping signatures, with a row index by block
  generations.py  atomic generations behind one CURRENT pointer; the build lock
  integrity.py    the size and CRC-32 a generation records of each file, and the checks
"""
