import pytest

from hippograph.extract.spacy_extractor import SpacyExtractor


@pytest.fixture(scope="module")
def extractor():
    return SpacyExtractor()


def test_known_triples(extractor):
    texts = [
        "Marie Curie discovered polonium and radium.",
        "The Journal of Mathematical Physics is published by the American Institute of Physics.",
        "Barack Obama was born in Honolulu. He later moved to Chicago.",
    ]
    results = extractor.extract(texts)
    assert ("Marie Curie", "discover", "polonium") in results[0].triples
    assert ("Marie Curie", "discover", "radium") in results[0].triples
    assert ("Journal of Mathematical Physics", "published by", "American Institute of Physics") in results[1].triples
    # The pronoun "He" resolves to the last named subject.
    assert ("Barack Obama", "born in", "Honolulu") in results[2].triples
    assert ("Barack Obama", "move to", "Chicago") in results[2].triples


def test_entities_are_named_and_typed(extractor):
    (result,) = extractor.extract(["Pierre Curie was born in Paris in 1859."])
    names = dict(result.entities)
    assert names.get("Pierre Curie") == "PERSON"
    assert names.get("Paris") == "GPE"


def test_pronoun_subject_falls_back_to_title(extractor):
    (result,) = extractor.extract(["It is published monthly by Elsevier."], titles=["Cell Reports"])
    assert any(s == "Cell Reports" and o == "Elsevier" for s, _, o in result.triples)


def test_no_triples_from_text_without_verbs(extractor):
    (result,) = extractor.extract(["Paris, France."])
    assert result.triples == []


def test_texts_over_its_length_limit_are_read_in_pieces():
    extractor = SpacyExtractor(max_chars=400)
    text = "Marie Curie worked in Paris. " * 60  # 1,740 characters: five pieces
    [extraction] = extractor.extract([text], ["Marie Curie"])
    assert ("Marie Curie", "work in", "Paris") in extraction.triples
    extractor.nlp.max_length = 1000  # spaCy itself would refuse the whole text
    assert extractor.extract([text], [""])[0].entities
