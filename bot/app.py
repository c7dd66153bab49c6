"""The composition root: builds everything once, eagerly, and hands it to whatever needs it.

`build_app` loads the shipped data (taxonomy, lexicon, tokenizer, knowledge, index, flows, safety
net), the trained NLU model, opens the database and checks that it is at the latest migration, and
wires the dialogue engine and the conversation service. Nothing is built at import time, reading an
attribute does nothing (the App is a frozen dataclass), no migration runs here (`tongxing db upgrade`
does that) and no model is trained here (`tongxing nlu train` and `make install` do that): a missing
model or an outdated database is a start-up error that names the command to run.

Commands that need only part of the application (`kb check` needs no model, `db upgrade` no database
at the latest migration, `nlu train` no model) build that part with the same functions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.cipher import Cipher, load_or_create_key
from bot.conversation import ConversationService, unlocked_turns
from bot.database import require_head
from bot.hotline import Hotline
from bot.metrics import CountingParser
from bot.office_hours import load_office_hours
from bot.rasa_http import RasaHttp
from core.clock import Clock, SystemClock
from core.database import make_engine, make_sessions
from core.i18n import Translators
from core.lexicon import Lexicon, load_lexicon
from core.settings import Settings
from core.taxonomy import Taxonomy, load_taxonomy
from core.tokenizer import Tokenizer
from dialogues.engine import Engine as DialogueEngine
from dialogues.flow import FLOWS_DIR, FlowSet
from dialogues.flow_validator import load_flows
from dialogues.navigation import Navigation, load_navigation
from dialogues.office_hours import OfficeHours
from dialogues.rules import ConversationRules, load_rules
from dialogues.safety import SafetyNet, load_bereavement, load_safety_net
from knowledge.catalog import KnowledgeBase
from knowledge.index import Index
from knowledge.validator import load_knowledge
from nlu.engine import load_embedded
from nlu.rasa_backend import RasaParser
from nlu.result import Parser

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "data"


@dataclass(frozen=True)
class Data:
    """What is loaded from the shipped data files: read-only, shared by every App of a process."""

    knowledge_dir: Path
    taxonomy: Taxonomy
    lexicon: Lexicon
    tokenizer: Tokenizer
    knowledge: KnowledgeBase
    index: Index
    flows: FlowSet
    safety_net: SafetyNet
    bereavement: SafetyNet
    navigation: Navigation
    rules: ConversationRules
    office_hours: OfficeHours


@dataclass(frozen=True)
class Storage:
    """The database (checked to be at the latest migration), its sessions and the cipher; on
    PostgreSQL also the pool of the turns taken without a lock (bot/conversation.py)."""

    engine: Engine
    sessions: sessionmaker[Session]
    cipher: Cipher
    turns: Engine | None = None

    def close(self) -> None:
        if self.turns is not None:
            self.turns.dispose()
        self.engine.dispose()


@dataclass(frozen=True)
class App:
    settings: Settings
    clock: Clock
    translator: Translators
    data: Data
    parser: Parser
    storage: Storage
    dialogue: DialogueEngine
    conversations: ConversationService
    hotline: Hotline  # the hotline's answers (`tongxing ask`, the HTTP API): the chat's understanding

    def close(self) -> None:
        self.storage.close()


def knowledge_dir(settings: Settings) -> Path:
    return settings.knowledge_dir or KNOWLEDGE_DIR


def load_tokenizer(settings: Settings, lexicon: Lexicon) -> Tokenizer:
    return Tokenizer(lexicon, cache_dir=settings.ensure_data_dir() / "cache")


def load_data(settings: Settings) -> Data:
    """Taxonomy, lexicon, tokenizer, knowledge base, index, flows, safety net and the conversation's
    data (navigation words, rules); raises KnowledgeError, FlowError or DataFileError (with file:line
    problems) on bad data."""
    folder = knowledge_dir(settings)
    taxonomy = load_taxonomy()
    lexicon = load_lexicon()
    tokenizer = load_tokenizer(settings, lexicon)
    knowledge = load_knowledge(folder, taxonomy, lexicon)
    flows = load_flows(FLOWS_DIR, set(taxonomy.intents), set(taxonomy.topics), knowledge.document_provinces)
    return Data(
        knowledge_dir=folder,
        taxonomy=taxonomy,
        lexicon=lexicon,
        tokenizer=tokenizer,
        knowledge=knowledge,
        index=Index(knowledge, tokenizer),
        flows=flows,
        safety_net=load_safety_net(),
        bereavement=load_bereavement(),
        navigation=load_navigation(),
        rules=load_rules(lexicon, taxonomy),
        office_hours=load_office_hours(lexicon=lexicon),
    )


def load_parser(settings: Settings, tokenizer: Tokenizer) -> Parser:
    """The parser the settings ask for, from the cached model (never trained here: ModelMissingError).
    TONGXING_NLU_BACKEND=rasa asks a Rasa server over HTTP, with crisis detection and entities ours."""
    if settings.nlu_backend == "rasa":
        if not settings.rasa_url:
            raise ValueError("TONGXING_NLU_BACKEND=rasa needs TONGXING_RASA_URL")
        return RasaParser(RasaHttp(settings.rasa_url), load_embedded(settings, tokenizer))
    return load_embedded(settings, tokenizer)


def build_hotline(data: Data, parser: Parser) -> Hotline:
    """The hotline's answers over the shipped data and the model (what `tongxing ask` needs)."""
    return Hotline(
        parser,
        data.index,
        data.knowledge,
        data.lexicon,
        parser.recommended_threshold,
        data.rules.intent_topics,
    )


def open_storage(settings: Settings) -> Storage:
    """The configured database, which must be at the latest migration (SchemaOutdatedError)."""
    engine = make_engine(settings.resolved_database_url())
    try:
        require_head(engine)
    except Exception:
        engine.dispose()
        raise
    cipher = Cipher(load_or_create_key(settings.ensure_data_dir(), settings.secret_key))
    # the chat's turns and the console's (a claim tells the parent in a turn) use it at once: each
    # keeps its connection, and only the scheduler's turns may open one beyond
    threads = settings.resolved_turn_threads() + settings.resolved_console_threads()
    turns = unlocked_turns(engine, pool_size=threads)
    return Storage(engine=engine, sessions=make_sessions(engine), cipher=cipher, turns=turns)


def build_dialogue(
    settings: Settings, data: Data, parser: Parser, clock: Clock, translator: Translators | None = None
) -> DialogueEngine:
    """The conversation engine over the loaded data (no storage: the benchmarks run it in memory)."""
    translator = translator or Translators(settings.default_locale)
    return DialogueEngine(
        parser=parser,
        index=data.index,
        kb=data.knowledge,
        flows=data.flows,
        lexicon=data.lexicon,
        tokenizer=data.tokenizer,
        clock=clock,
        safety_net=data.safety_net,
        bereavement=data.bereavement,
        navigation=data.navigation,
        rules=data.rules,
        translator=translator,
        threshold=parser.recommended_threshold,
        retention_days=settings.retention_days,
        office_hours=data.office_hours,
    )


def build_app(settings: Settings, clock: Clock | None = None, *, shared: App | None = None) -> App:
    """Everything, once. `clock` defaults to the system clock in the settings' time zone. With
    `shared`, the data and the parser already loaded by that App are reused (tests and benchmarks:
    a new database and clock, the same models); everything else is built from `settings`."""
    data = shared.data if shared else load_data(settings)
    # every message understood is counted by intent (/metrics)
    parser = shared.parser if shared else CountingParser(load_parser(settings, data.tokenizer))
    storage = open_storage(settings)
    clock = clock or SystemClock(settings.zone)
    translator = Translators(settings.default_locale)
    dialogue = build_dialogue(settings, data, parser, clock, translator)
    conversations = ConversationService(
        dialogue, storage.sessions, storage.cipher, clock, translator, unlocked=storage.turns
    )
    return App(
        settings=settings,
        clock=clock,
        translator=translator,
        data=data,
        parser=parser,
        storage=storage,
        dialogue=dialogue,
        conversations=conversations,
        hotline=build_hotline(data, parser),
    )
