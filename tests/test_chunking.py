from hippograph.extract.chunking import chunk_text, split_sentences


def test_short_text_is_one_chunk():
    chunks = chunk_text("One paragraph. Two sentences.", size=100, overlap=10)
    assert [c.text for c in chunks] == ["One paragraph. Two sentences."]


def test_paragraphs_are_packed_up_to_the_size_limit():
    text = "\n\n".join(f"Paragraph number {i} has some words in it." for i in range(20))
    chunks = chunk_text(text, size=200, overlap=0)
    assert len(chunks) > 1
    assert all(len(c.text) <= 200 for c in chunks)
    # Nothing lost, nothing repeated without overlap.
    joined = "\n".join(c.text for c in chunks)
    assert joined.count("Paragraph number 7 ") == 1
    assert [c.position for c in chunks] == list(range(len(chunks)))


def test_overlap_carries_the_previous_sentence():
    text = " ".join(f"Sentence {i} is here." for i in range(40))
    chunks = chunk_text(text, size=120, overlap=40)
    assert len(chunks) > 2
    for prev, cur in zip(chunks, chunks[1:]):
        assert cur.text.split("\n")[0] in prev.text  # the first piece repeats the previous tail
        assert len(cur.text) <= 120


def test_overlong_sentence_is_cut_at_spaces():
    text = "word " * 500
    chunks = chunk_text(text, size=100, overlap=0)
    assert all(len(c.text) <= 100 for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) == 500


def test_bad_sizes_are_refused():
    import pytest

    with pytest.raises(ValueError):
        chunk_text("x", size=0)
    with pytest.raises(ValueError):
        chunk_text("x", size=10, overlap=10)


def test_split_sentences():
    assert split_sentences("It rained! Why? 3 cats sat. the end") == ["It rained!", "Why?", "3 cats sat. the end"]
