"""Every data file's validator in one registry, run by `tongxing check`.

A new kind of data file is one entry in CHECKS: a name, the shipped file or folder, the files it
covers, and a function from a path (a copy elsewhere works too) to its problems as file:line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bot.canned import CANNED_FILE, check_canned
from bot.office_hours import OFFICE_HOURS_FILE, check_office_hours
from bot.reports.list_rules import LIST_RULES_FILE, check_list_rules
from core.i18n import HANT_CORRECTIONS, check_hant_corrections
from core.lexicon import LEXICON_FILE, Lexicon, check_lexicon, load_lexicon
from core.taxonomy import TAXONOMY_FILE, Taxonomy, check_taxonomy, load_taxonomy
from core.yamlfile import DataFileError, Problem, display_path
from dialogues.crisis_followup import FOLLOWUP_FILE, check_followup_words
from dialogues.crisis_kind import CRISIS_KINDS_FILE, check_crisis_kinds
from dialogues.feedback_rules import FEEDBACK_FILE, check_feedback
from dialogues.flow import FLOWS_DIR
from dialogues.flow_validator import check_flows
from dialogues.followup import FOLLOWUPS_FILE, check_followups
from dialogues.navigation import NAVIGATION_FILE, check_navigation
from dialogues.reminder_words import REMINDER_WORDS_FILE, check_reminder_words
from dialogues.rules import RULES_FILE, check_rules
from dialogues.safety import BEREAVEMENT_FILE, SAFETY_NET_FILE, check_safety_net
from dialogues.yes_no_words import YES_NO_FILE, check_yes_no
from knowledge.validator import check_knowledge
from nlu.dataset import DATA_DIR as NLU_DATA_DIR
from nlu.validator import check_nlu_data
from reminders.schedule import SCHEDULE_FILE, check_schedule
from reminders.visit import VISITS_FILE, check_visits

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "data"


@dataclass
class Basis:
    """The files other files refer to (ids of the taxonomy, places of the lexicon, documents of the
    knowledge base), loaded once; None when the file itself has problems."""

    taxonomy_file: Path = TAXONOMY_FILE
    lexicon_file: Path = LEXICON_FILE
    knowledge_dir: Path = KNOWLEDGE_DIR

    @cached_property
    def taxonomy(self) -> Taxonomy | None:
        try:
            return load_taxonomy(self.taxonomy_file)
        except DataFileError:
            return None

    @cached_property
    def lexicon(self) -> Lexicon | None:
        try:
            return load_lexicon(self.lexicon_file)
        except DataFileError:
            return None

    @cached_property
    def documents(self) -> dict[str, str | None]:
        """Each document of the register and the province it is for (None: national)."""
        if self.taxonomy is None or self.lexicon is None:
            return {}
        return dict(check_knowledge(self.knowledge_dir, self.taxonomy, self.lexicon)[0].document_provinces)


class BasisError(Exception):
    """A check that cannot run because a file it refers to has problems of its own."""


def _taxonomy(basis: Basis) -> Taxonomy:
    if basis.taxonomy is None:
        raise BasisError("taxonomy")
    return basis.taxonomy


def _lexicon(basis: Basis) -> Lexicon:
    if basis.lexicon is None:
        raise BasisError("lexicon")
    return basis.lexicon


def _lexicon_problems(path: Path, basis: Basis) -> list[Problem]:
    return check_lexicon(path, vaccines=_taxonomy(basis).vaccines)


def _knowledge_problems(path: Path, basis: Basis) -> list[Problem]:
    return check_knowledge(path, _taxonomy(basis), _lexicon(basis))[1]


def _flow_problems(path: Path, basis: Basis) -> list[Problem]:
    taxonomy = _taxonomy(basis)
    return check_flows(path, set(taxonomy.intents), set(taxonomy.topics), basis.documents)[1]


def _rules_problems(path: Path, basis: Basis) -> list[Problem]:
    return check_rules(_lexicon(basis), _taxonomy(basis), path)[1]


def _list_rules_problems(path: Path, basis: Basis) -> list[Problem]:
    provinces = {place.id for place in _lexicon(basis).places if place.kind == "province"}
    return check_list_rules(path, basis.documents or None, provinces)[1]


def _schedule_problems(path: Path, basis: Basis) -> list[Problem]:
    return check_schedule(path, _taxonomy(basis).vaccines)


def _visits_problems(path: Path, basis: Basis) -> list[Problem]:
    """The key children's care schedule, and that its document is one of the knowledge base's."""
    schedule, problems = check_visits(path)
    if schedule is not None and basis.documents and schedule.document not in basis.documents:
        missing = f"document '{schedule.document}' is not in documents.yaml"
        problems.append(Problem(display_path(path), 1, missing))
    return problems


def _nlu_problems(path: Path, basis: Basis) -> list[Problem]:
    return check_nlu_data(path, taxonomy=_taxonomy(basis), lexicon=_lexicon(basis))


@dataclass(frozen=True)
class DataCheck:
    name: str
    path: Path  # the shipped file or folder
    run: Callable[[Path, Basis], list[Problem]]
    covers: tuple[str, ...] = ()  # for a folder: the globs of the files it checks

    def files(self, path: Path) -> list[Path]:
        if path.is_file() or not self.covers:
            return [path] if path.exists() else []
        return sorted({found for pattern in self.covers for found in path.glob(pattern) if found.is_file()})


CHECKS: tuple[DataCheck, ...] = (
    DataCheck("taxonomy", TAXONOMY_FILE, lambda path, _: check_taxonomy(path)),
    DataCheck("lexicon", LEXICON_FILE, _lexicon_problems),
    DataCheck("hant_corrections", HANT_CORRECTIONS, lambda path, _: check_hant_corrections(path)),
    DataCheck("safety_net", SAFETY_NET_FILE, lambda path, _: check_safety_net(path)),
    DataCheck("bereavement", BEREAVEMENT_FILE, lambda path, _: check_safety_net(path)),
    DataCheck("crisis_kinds", CRISIS_KINDS_FILE, lambda path, _: check_crisis_kinds(path)[1]),
    DataCheck("crisis_followup", FOLLOWUP_FILE, lambda path, _: check_followup_words(path)[1]),
    DataCheck("knowledge", KNOWLEDGE_DIR, _knowledge_problems, ("*.yaml", "*/*.yaml", "*/*/*.yaml")),
    DataCheck("flows", FLOWS_DIR, _flow_problems, ("*.yaml",)),
    DataCheck("navigation", NAVIGATION_FILE, lambda path, _: check_navigation(path)[1]),
    DataCheck("yes_no_words", YES_NO_FILE, lambda path, _: check_yes_no(path)[1]),
    DataCheck("vaccine_reminders", REMINDER_WORDS_FILE, lambda path, _: check_reminder_words(path)[1]),
    DataCheck("followups", FOLLOWUPS_FILE, lambda path, _: check_followups(path)[1]),
    DataCheck("conversation_rules", RULES_FILE, _rules_problems),
    DataCheck("immunization_schedule", SCHEDULE_FILE, _schedule_problems),
    DataCheck("canned_replies", CANNED_FILE, lambda path, _: check_canned(path)[1]),
    DataCheck("key_child_visits", VISITS_FILE, _visits_problems),
    DataCheck(
        "office_hours", OFFICE_HOURS_FILE, lambda path, basis: check_office_hours(path, _lexicon(basis))[1]
    ),
    DataCheck("feedback_words", FEEDBACK_FILE, lambda path, _: check_feedback(path)[1]),
    DataCheck("list_rules", LIST_RULES_FILE, _list_rules_problems),
    DataCheck("nlu_data", NLU_DATA_DIR, _nlu_problems, ("nlu.yml", "lookups.yml", "test/test_nlu.yml")),
)


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[Problem, ...]
    files: int


def run_checks(
    paths: Mapping[str, Path] | None = None, checks: tuple[DataCheck, ...] = CHECKS
) -> CheckReport:
    """Run every check, on the shipped files or on the paths given by check name."""
    chosen = {check.name: (paths or {}).get(check.name, check.path) for check in checks}
    basis = Basis(
        taxonomy_file=chosen.get("taxonomy", TAXONOMY_FILE),
        lexicon_file=chosen.get("lexicon", LEXICON_FILE),
        knowledge_dir=chosen.get("knowledge", KNOWLEDGE_DIR),
    )
    problems: list[Problem] = []
    files = 0
    for check in checks:
        path = chosen[check.name]
        try:
            problems += check.run(path, basis)
        except BasisError as missing:
            problems.append(Problem(display_path(path), 1, f"not checked: the {missing} has problems"))
        files += len(check.files(path))
    return CheckReport(tuple(problems), files)
