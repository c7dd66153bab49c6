import unicodedata
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from core.tokenizer import Tokenizer

SHARED_TAXONOMY = Path(__file__).resolve().parents[3] / "shared" / "spec" / "taxonomy.yaml"


def test_shipped_taxonomy_matches_the_shared_spec(taxonomy: Taxonomy) -> None:
    if not SHARED_TAXONOMY.exists():
        return  # outside the workplace there is no shared/ beside the repo
    shared = yaml.safe_load(SHARED_TAXONOMY.read_text(encoding="utf-8"))
    assert taxonomy.topics == tuple(entry["id"] for entry in shared["topics"])
    assert taxonomy.intents == tuple(entry["id"] for entry in shared["intents"])
    assert taxonomy.vaccines == tuple(entry["id"] for entry in shared["vaccines"])


def test_taxonomy_has_the_23_topics_with_notes(taxonomy: Taxonomy) -> None:
    assert len(taxonomy.topics) == 23
    assert "residence_permit" in taxonomy.topics
    assert "居住证" in taxonomy.topic_notes["residence_permit"]


def test_every_fujian_and_hainan_city_belongs_to_its_province(lexicon: Lexicon) -> None:
    cities = [place for place in lexicon.places if place.kind == "city"]
    assert {place.province for place in cities} == {"fujian", "hainan"}
    assert lexicon.place_by_id[("district", "huli")].city == "xiamen"


def test_colloquial_words_map_onto_canonical_terms(tokenizer: Tokenizer) -> None:
    assert "居住证" in tokenizer.terms("暂住证咋办")
    assert "医保" in tokenizer.terms("孩子的社保卡在老家交的")
    assert "接种" in tokenizer.terms("娃该打预防针了")
    assert "低保" in tokenizer.terms("吃低保要啥条件")
    assert "公租房" in tokenizer.terms("廉租房能申请吗")


def test_traditional_and_full_width_text_is_normalised(tokenizer: Tokenizer) -> None:
    assert tokenizer.normalize("孩子上學ＡＢＣ１２") == "孩子上学abc12"
    assert "居住证" in tokenizer.terms("居住證怎麼辦理")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_tokenizer_never_raises_on_any_text(tokenizer: Tokenizer, text: str) -> None:
    terms = tokenizer.terms(text)
    assert all(isinstance(term, str) and term for term in terms)
    assert isinstance(tokenizer.bigrams(tokenizer.normalize(text)), list)


# Characters that OpenCC converts, that it leaves alone, and that only phrases convert (乾杯 -> 干杯);
# common Simplified characters that phrases hold without changing them (上, 么, 公, 口, 不...).
_MIXED = "我們的孩子乾杯臺灣醫療保險证明一目瞭然后後发髮 abc,。上么公口子能住防申老不幺麼于於"


def _phrase_sources() -> str:
    """Every character of OpenCC's t2s phrases (where the skip could go wrong), as one alphabet."""
    import opencc

    lines = (Path(opencc.__file__).resolve().parent / "dictionary" / "TSPhrases.txt").read_text("utf-8")
    return "".join(sorted({char for line in lines.splitlines() for char in line.partition("\t")[0]}))


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(_MIXED), max_size=30)
    | st.text(alphabet=st.sampled_from(_phrase_sources()), max_size=12)
    | st.text(max_size=30)
)
def test_skipping_the_conversion_of_texts_without_traditional_characters_changes_nothing(
    tokenizer: Tokenizer, text: str
) -> None:
    always_converted = tokenizer._t2s.convert(unicodedata.normalize("NFKC", text).lower())
    assert tokenizer.normalize(text) == " ".join(always_converted.split())


def test_every_phrase_of_opencc_and_its_simplified_form_normalise_as_the_full_conversion_would(
    tokenizer: Tokenizer,
) -> None:
    """The skip's rule (a text without a character that some entry changes converts to itself) over
    every entry of t2s, in both its forms, so no phrase can slip past it."""
    import opencc

    folder = Path(opencc.__file__).resolve().parent / "dictionary"
    texts = []
    for name in ("TSPhrases.txt", "TSCharacters.txt"):
        for line in (folder / name).read_text("utf-8").splitlines():
            source, _, targets = line.partition("\t")
            texts += [source, *targets.split(" ")]
    wrong = [
        text
        for text in texts
        if text and tokenizer.normalize(text) != " ".join(tokenizer._t2s.convert(text.lower()).split())
    ]
    assert wrong == []
