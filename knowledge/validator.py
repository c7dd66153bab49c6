"""Load and check the knowledge base: every problem as file:line and a plain message.

Checked: broken YAML and duplicate keys, the schema (missing fields, bad age
ranges...), unknown topics, sources that name no registered document, duplicate
ids, files whose place does not match their path, places unknown to the lexicon,
a province's items (and its migrant-child definition) citing another province's document,
provinces where some topic cannot be answered, and city lists that cover less
than their province's list ("覆盖范围和实现程度不得低于省级清单").
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from core.lexicon import Lexicon
from core.taxonomy import Taxonomy
from core.yamlfile import Problem, YamlError, YamlFile, describe_error, read_yaml
from knowledge.catalog import NATIONAL, Item, KnowledgeBase
from knowledge.schema import (
    MAX_CHILD_AGE,
    Document,
    DocumentsFile,
    LayerFile,
    MigrantChildDefinition,
    RegistrationWindow,
    Source,
)
from knowledge.translation import TranslationFile

DOCUMENTS = "documents.yaml"
MAX_SHORT_TITLE_WORDS = 6  # a translated document's short title, in a first answer's source line


class KnowledgeError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def _schema_problems(source: YamlFile, error: ValidationError) -> list[Problem]:
    return [
        Problem(source.display, source.line_of(tuple(entry["loc"])), describe_error(dict(entry)))
        for entry in error.errors()
    ]


def layer_files(directory: Path) -> list[Path]:
    files = []
    if (directory / "national.yaml").exists():
        files.append(directory / "national.yaml")
    files += sorted((directory / "provinces").glob("*.yaml"))
    files += sorted((directory / "cities").glob("*/*.yaml"))
    return files


def _expected_place(directory: Path, path: Path) -> tuple[str, str | None, str | None]:
    relative = path.relative_to(directory).parts
    if relative == ("national.yaml",):
        return "national", None, None
    if relative[0] == "provinces":
        return "province", path.stem, None
    return "city", relative[1], path.stem


class _Checker:
    def __init__(self, directory: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> None:
        self.directory = directory
        self.taxonomy = taxonomy
        self.lexicon = lexicon
        self.problems: list[Problem] = []
        self.documents: dict[str, Document] = {}
        self.items: list[Item] = []
        self.translations: dict[str, TranslationFile] = {}
        self.definitions: dict[str, MigrantChildDefinition] = {}
        self.windows: dict[tuple[str, str], tuple[RegistrationWindow, ...]] = {}

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.directory.parent.parent))
        except ValueError:
            return str(path)

    def read(self, path: Path) -> YamlFile | None:
        try:
            return read_yaml(path, self.display(path))
        except YamlError as error:
            self.problems += error.problems
            return None

    def load_documents(self) -> None:
        path = self.directory / DOCUMENTS
        if not path.exists():
            self.problems.append(
                Problem(self.display(path), 1, "the register of source documents is missing")
            )
            return
        source = self.read(path)
        if source is None:
            return
        try:
            register = DocumentsFile.model_validate(source.data)
        except ValidationError as error:
            self.problems += _schema_problems(source, error)
            return
        for position, document in enumerate(register.documents):
            if document.id in self.documents:
                line = source.line_of(("documents", position, "id"))
                self.problems.append(Problem(source.display, line, f"duplicate document id '{document.id}'"))
            if document.province and ("province", document.province) not in self.lexicon.place_by_id:
                line = source.line_of(("documents", position, "province"))
                self.problems.append(
                    Problem(
                        source.display,
                        line,
                        f"document '{document.id}': unknown province '{document.province}'",
                    )
                )
            self.documents[document.id] = document

    def load_layer(self, path: Path) -> None:
        source = self.read(path)
        if source is None:
            return
        try:
            layer = LayerFile.model_validate(source.data)
        except ValidationError as error:
            self.problems += _schema_problems(source, error)
            return
        self.check_place(source, layer, path)
        if layer.migrant_child is not None:
            self.check_cited(
                source,
                ("migrant_child", "source"),
                layer.migrant_child.source,
                layer.province,
                "the migrant-child definition",
            )
            self.definitions[layer.province or NATIONAL] = layer.migrant_child
        self.load_windows(source, layer)
        for position, service in enumerate(layer.services):
            where = ("services", position)
            line = source.line_of(where)
            if service.topic not in self.taxonomy.topics:
                self.problems.append(
                    Problem(
                        source.display,
                        source.line_of((*where, "topic")),
                        f"service '{service.id}': unknown topic '{service.topic}' (see spec/taxonomy.yaml)",
                    )
                )
            for index, cited in enumerate((service.source, *service.also_sources)):
                key = (*where, "source") if index == 0 else (*where, "also_sources", index - 1)
                self.check_cited(source, key, cited, layer.province, f"service '{service.id}'")
            if service.covers and layer.layer != "city":
                self.problems.append(
                    Problem(
                        source.display, source.line_of((*where, "covers")), "only city items cover others"
                    )
                )
            self.items.append(Item(service, layer.layer, layer.province, layer.city, source.display, line))

    def load_windows(self, source: YamlFile, layer: LayerFile) -> None:
        """A city's registration windows: each cites a registered document the city may cite, ids unique."""
        seen: set[str] = set()
        for position, window in enumerate(layer.registration_windows):
            where = ("registration_windows", position)
            if window.id in seen:
                line = source.line_of((*where, "id"))
                self.problems.append(
                    Problem(source.display, line, f"duplicate registration window '{window.id}'")
                )
            seen.add(window.id)
            self.check_cited(
                source, (*where, "source"), window.source, layer.province, f"window '{window.id}'"
            )
        if layer.registration_windows and layer.province and layer.city:
            self.windows[(layer.province, layer.city)] = layer.registration_windows

    def check_cited(
        self, source: YamlFile, key: tuple[str | int, ...], cited: Source, province: str | None, what: str
    ) -> None:
        """The cited document is registered, and is not another province's own document (what Fujian's
        plan says is never shown to a Hainan family, nor the reverse; national files cite no province)."""
        line = source.line_of((*key, "document"))
        document = self.documents.get(cited.document)
        if document is None:
            self.problems.append(
                Problem(
                    source.display, line, f"{what}: source document '{cited.document}' is not in {DOCUMENTS}"
                )
            )
        elif document.province is not None and document.province != province:
            place = f"the {province} list" if province else "the national list"
            self.problems.append(
                Problem(
                    source.display,
                    line,
                    f"{what}: '{cited.document}' is a {document.province} document; {place} cannot cite it",
                )
            )

    def check_place(self, source: YamlFile, layer: LayerFile, path: Path) -> None:
        expected = _expected_place(self.directory, path)
        actual = (layer.layer, layer.province, layer.city)
        if actual != expected:
            self.problems.append(
                Problem(
                    source.display,
                    source.line_of(("layer",)),
                    f"the file's place {actual} does not match its path {expected}",
                )
            )
        known = self.lexicon.place_by_id
        if layer.province and ("province", layer.province) not in known:
            self.problems.append(
                Problem(source.display, source.line_of(("province",)), f"unknown province '{layer.province}'")
            )
        if layer.city:
            city = known.get(("city", layer.city))
            if city is None or city.province != layer.province:
                self.problems.append(
                    Problem(
                        source.display,
                        source.line_of(("city",)),
                        f"unknown city '{layer.city}' in province '{layer.province}'",
                    )
                )

    def load_translations(self) -> None:
        by_id = {item.id: item for item in self.items}
        for path in sorted((self.directory / "translations").glob("*.yaml")):
            source = self.read(path)
            if source is None:
                continue
            try:
                translation = TranslationFile.model_validate(source.data)
            except ValidationError as error:
                self.problems += _schema_problems(source, error)
                continue
            if translation.locale != path.stem:
                self.problems.append(
                    Problem(
                        source.display,
                        source.line_of(("locale",)),
                        f"locale '{translation.locale}' differs from the file name '{path.stem}'",
                    )
                )
            for document_id in translation.documents:
                if document_id not in self.documents:
                    self.problems.append(
                        Problem(
                            source.display,
                            source.line_of(("documents", document_id)),
                            f"unknown document '{document_id}'",
                        )
                    )
            for document_id in translation.documents.keys() - translation.short_titles.keys():
                self.problems.append(
                    Problem(
                        source.display,
                        source.line_of(("documents", document_id)),
                        f"'{document_id}' has no short title (short_titles:) for the first answer",
                    )
                )
            for document_id, short in translation.short_titles.items():
                problem = None
                if document_id not in translation.documents:
                    problem = f"a short title for '{document_id}', which has no full title here"
                elif len(short.split()) > MAX_SHORT_TITLE_WORDS:
                    problem = f"the short title of '{document_id}' is over {MAX_SHORT_TITLE_WORDS} words"
                if problem:
                    self.problems.append(
                        Problem(source.display, source.line_of(("short_titles", document_id)), problem)
                    )
            for service_id, text in translation.services.items():
                line = source.line_of(("services", service_id))
                item = by_id.get(service_id)
                if item is None:
                    self.problems.append(Problem(source.display, line, f"unknown service '{service_id}'"))
                    continue
                service = item.service
                for name, mine, theirs in (
                    ("provides", text.provides, service.provides),
                    ("steps", text.steps, service.how.steps),
                    ("materials", text.materials, service.how.materials),
                    ("unknowns", text.unknowns, service.unknowns),
                ):
                    if len(mine) != len(theirs):
                        self.problems.append(
                            Problem(
                                source.display,
                                source.line_of(("services", service_id, name)),
                                f"'{service_id}.{name}' has {len(mine)} entries, the source "
                                f"{len(theirs)} (the translation is out of date)",
                            )
                        )
            self.translations[translation.locale] = translation

    def check_unique_ids(self) -> None:
        seen: dict[str, Item] = {}
        for item in self.items:
            if item.id in seen:
                first = seen[item.id]
                self.problems.append(
                    Problem(
                        item.file, item.line, f"duplicate id '{item.id}' (first at {first.file}:{first.line})"
                    )
                )
            else:
                seen[item.id] = item

    def check_topics_answerable(self, kb: KnowledgeBase) -> None:
        for province in kb.provinces:
            items = kb.for_place(province)
            missing = [topic for topic in self.taxonomy.topics if topic not in {item.topic for item in items}]
            if missing:
                first = kb.layer("province", province)[0]
                self.problems.append(
                    Problem(
                        first.file, 1, f"province '{province}' cannot answer topics: {', '.join(missing)}"
                    )
                )

    def check_city_coverage(self, kb: KnowledgeBase) -> None:
        for province, cities in kb.cities.items():
            provincial = {item.id: item for item in kb.layer("province", province)}
            for city in cities:
                city_items = kb.layer("city", province, city)
                covered: set[str] = set()
                for item in city_items:
                    for target in item.service.covers:
                        base = provincial.get(target)
                        if base is None:
                            self.problems.append(
                                Problem(item.file, item.line, f"'{item.id}' covers unknown item '{target}'")
                            )
                            continue
                        covered.add(target)
                        self.problems += _narrower(item, base)
                missing = sorted(set(provincial) - covered)
                if missing:
                    self.problems.append(
                        Problem(
                            city_items[0].file,
                            1,
                            f"city list '{city}' covers less than the {province} list "
                            f"(不得低于省级清单): missing {', '.join(missing)}",
                        )
                    )


def _narrower(item: Item, base: Item) -> list[Problem]:
    """A city item may not serve fewer children than the province item it implements."""
    problems = []
    mine, theirs = item.service.audience, base.service.audience
    low_mine = mine.age_min if mine.age_min is not None else 0
    low_theirs = theirs.age_min if theirs.age_min is not None else 0
    high_mine = mine.age_max if mine.age_max is not None else MAX_CHILD_AGE
    high_theirs = theirs.age_max if theirs.age_max is not None else MAX_CHILD_AGE
    if low_mine > low_theirs or high_mine < high_theirs:
        problems.append(
            Problem(
                item.file,
                item.line,
                f"'{item.id}' serves ages {low_mine}-{high_mine}, narrower than "
                f"'{base.id}' ({low_theirs}-{high_theirs})",
            )
        )
    if item.topic != base.topic:
        problems.append(
            Problem(
                item.file,
                item.line,
                f"'{item.id}' has topic '{item.topic}' but covers '{base.id}' ({base.topic})",
            )
        )
    extra = set(mine.conditions) - set(theirs.conditions)
    if extra:
        problems.append(
            Problem(
                item.file,
                item.line,
                f"'{item.id}' adds conditions {sorted(str(c) for c in extra)} "
                f"that '{base.id}' does not require",
            )
        )
    return problems


def check_knowledge(
    directory: Path, taxonomy: Taxonomy, lexicon: Lexicon
) -> tuple[KnowledgeBase, list[Problem]]:
    """Load everything that can be loaded and return it with every problem found."""
    checker = _Checker(directory, taxonomy, lexicon)
    checker.load_documents()
    for path in layer_files(directory):
        checker.load_layer(path)
    checker.check_unique_ids()
    checker.load_translations()
    kb = KnowledgeBase(
        documents=dict(checker.documents),
        items=tuple(checker.items),
        translations=dict(checker.translations),
        definitions=dict(checker.definitions),
        registration_windows=dict(checker.windows),
    )
    if not checker.problems:
        checker.check_topics_answerable(kb)
        checker.check_city_coverage(kb)
    return kb, checker.problems


def load_knowledge(directory: Path, taxonomy: Taxonomy, lexicon: Lexicon) -> KnowledgeBase:
    """The knowledge base, or KnowledgeError listing every problem."""
    kb, problems = check_knowledge(directory, taxonomy, lexicon)
    if problems:
        raise KnowledgeError(problems)
    return kb
