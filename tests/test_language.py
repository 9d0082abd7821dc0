"""A page's declared language is not used to choose packs when its text plainly contradicts it."""

from __future__ import annotations

import pytest

from cleaner import Cleaner
from cleaner.language import base_language, contradicts

SPANISH = (
    "El ayuntamiento aprobó el presupuesto el lunes por la noche, después de una sesión de más de "
    "cinco horas en la que la oposición votó en contra del texto. La alcaldesa habló de un paso "
    "importante para la ciudad y dijo que las obras del nuevo puente comenzarán en primavera, si el "
    "tiempo lo permite. Los vecinos del barrio del puerto, que esperan el proyecto desde hace diez "
    "años, celebraron la noticia con una fiesta en la plaza. El coste total será de doce millones de "
    "euros, de los que la región pagará la mitad."
)
ENGLISH = (
    "The council approved the budget on Monday night after a session of more than five hours in which "
    "the opposition voted against the plan. The mayor called it an important step for the town and said "
    "that work on the new bridge would begin in the spring, if the weather allows. Residents of the "
    "harbour district, who have waited for the project for ten years, celebrated the news with a party "
    "in the square. The total cost will be twelve million euros, half of which the region will pay."
)
GREEK = ("Το δημοτικό συμβούλιο ενέκρινε τον προϋπολογισμό τη Δευτέρα το βράδυ, μετά από μια συνεδρίαση "
         "πέντε ωρών. Η δήμαρχος μίλησε για ένα σημαντικό βήμα για την πόλη και είπε ότι οι εργασίες για "
         "τη νέα γέφυρα θα ξεκινήσουν την άνοιξη. ") * 2


@pytest.mark.parametrize(("declared", "text", "expected"), [
    ("en", SPANISH, True), ("en-US", SPANISH, True), ("es", SPANISH, False), ("es-AR", SPANISH, False),
    ("en", ENGLISH, False), ("de", ENGLISH, True), ("en", GREEK, True), ("el", GREEK, False),
    ("el", ENGLISH, True), ("ja", ENGLISH, True), ("fi", ENGLISH, False),  # no profile for Finnish: trusted
    ("en", "Too short to tell, el lunes por la noche.", False), (None, SPANISH, False), ("", SPANISH, False),
])
def test_contradicts(declared, text, expected):
    assert contradicts(declared, text) is expected


def test_base_language():
    assert base_language("en_US") == "en" and base_language(" PT-br ") == "pt" and base_language("") is None


def page(lang: str) -> str:
    body = "".join(f"<p>{s.strip()}.</p>" for s in SPANISH.split(". ") if s.strip())
    return (f'<html lang="{lang}"><head><title>Presupuesto aprobado</title></head><body><article>'
            f"<h1>Presupuesto aprobado</h1>{body}<p>Lea también: El puente nuevo abrirá en 2027</p>"
            "</article></body></html>")


def test_a_spanish_page_declaring_english_gets_the_spanish_packs():
    declared_es = Cleaner().clean_html(page("es"), id="es")
    declared_en = Cleaner().clean_html(page("en"), id="en")
    for r in (declared_es, declared_en):
        assert "Lea también" not in r.text
        assert "es-related.read-also" in {x["rule"] for x in r.provenance["removals"]}
    assert declared_en.metadata["language"] == "en"  # the metadata says what the page declares
    assert any(w.startswith("language: the page declares 'en'") for w in declared_en.provenance["warnings"])
    assert not any(w.startswith("language:") for w in declared_es.provenance["warnings"])


def test_a_language_given_by_the_caller_is_always_trusted():
    r = Cleaner().clean_html(page("en"), id="x", language="en")
    assert "Lea también: El puente nuevo abrirá en 2027" in r.text
    assert not any(w.startswith("language:") for w in r.provenance["warnings"])
