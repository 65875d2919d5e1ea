"""Place names that are also common words: they never match a query as a plain word.

GeoNames knows 330k names of 34k places, many of them everyday words in the languages
people search in (`Roma` the people, `Police` in Poland, `Human` for Uman, `From` for
Frome, `Essen`, `Drama`, `Como`). Such a name matches only where the caller says the text
is a place (`near=`, `city:`: `explicit=True`). The list was reviewed by hand from the
collisions between GeoNames names and the corpus text, the stop-word lists of the
site's languages, and English, French, German, Italian, Spanish, Portuguese, Albanian,
Serbian, Greek, Turkish and Ukrainian common words. Keys are corpus.place_data.name_key()s.
"""

from __future__ import annotations

# Shorter names (Bar, Of, Van, Ede, Ulm) match only explicitly: too many are words.
MIN_PLAIN_LENGTH = 4

_WORDS = """
    roma
    police human young more most make makes time care center centre centro media mission
    green hall seen since than rise university enterprise officer david alta vise baze
    from along area aren best come date dire ever goes male mine much name never part
    same side tell turn ware deal march reading bath mobile split orange hope sale street
    rugby bury grays wells union liberty independence commerce bend eden allen auburn
    nice tours lens sens cher come celle dole gare grasse lourdes sedan sete
    bourg cannes homo lion
    essen halle hamm baden lage weil werder senden wald much auch haar dort dazu dabei
    daran ihren kann lang hanno
    como este cento quarto carpi fermo gente sera seria tarde mille lago latina media mare
    massa matera vita vite ronda guarda lagos faro nada nuevo parole para pure poco posso
    solo sola sonra selon trente tale tanta bella bello
    side ordu batman agri drama kula bela beli brod grad gora goda kale lagi koje nema
    nego neka nakon nisu bili bila jako
    μεσα δραμα χωρα
    ровно орел мира года утро алло глаз могу зараза доля воля база
"""
AMBIGUOUS: frozenset[str] = frozenset(_WORDS.split())
