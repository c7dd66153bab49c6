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


# Characters that OpenCC converts, that it leaves alone, and that only phrases convert (乾杯 -> 干杯).
_MIXED = "我們的孩子乾杯臺灣醫療保險证明一目瞭然后後发髮 abc,。"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(_MIXED), max_size=30) | st.text(max_size=30))
def test_skipping_the_conversion_of_texts_without_traditional_characters_changes_nothing(
    tokenizer: Tokenizer, text: str
) -> None:
    always_converted = tokenizer._t2s.convert(unicodedata.normalize("NFKC", text).lower())
    assert tokenizer.normalize(text) == " ".join(always_converted.split())
