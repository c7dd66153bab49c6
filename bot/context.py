"""The composition root: builds settings, database, lexicon, tokenizer, knowledge base and index once,
and hands them to whatever needs them. Nothing here runs at import time."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import database
from bot.cipher import Cipher, load_or_create_key
from bot.conversation import ConversationService
from core.clock import Clock, SystemClock
from core.database import make_engine, make_sessions
from core.i18n import Translator
from core.lexicon import Lexicon, load_lexicon
from core.settings import Settings
from core.taxonomy import Taxonomy, load_taxonomy
from core.tokenizer import Tokenizer
from dialogues.engine import Engine as DialogueEngine
from dialogues.flow import FLOWS_DIR, FlowSet, load_flows
from dialogues.safety import load_safety_net
from knowledge.catalog import KnowledgeBase
from knowledge.index import Index
from knowledge.validator import load_knowledge
from nlu.engine import load_parser
from nlu.result import Parser

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "data"


@dataclass
class AppContext:
    settings: Settings = field(default_factory=Settings)
    clock: Clock = field(default_factory=SystemClock)

    @property
    def knowledge_dir(self) -> Path:
        return self.settings.knowledge_dir or KNOWLEDGE_DIR

    @cached_property
    def taxonomy(self) -> Taxonomy:
        return load_taxonomy()

    @cached_property
    def lexicon(self) -> Lexicon:
        return load_lexicon()

    @cached_property
    def tokenizer(self) -> Tokenizer:
        return Tokenizer(self.lexicon, cache_dir=self.settings.ensure_data_dir() / "cache")

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        return load_knowledge(self.knowledge_dir, self.taxonomy, self.lexicon)

    @cached_property
    def index(self) -> Index:
        return Index(self.knowledge, self.tokenizer)

    @cached_property
    def engine(self) -> Engine:
        self.settings.ensure_data_dir()
        return make_engine(self.settings.resolved_database_url())

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessions(self.engine)

    def upgrade_database(self) -> None:
        database.upgrade(self.engine)

    def translator(self, locale: str | None = None) -> Translator:
        return Translator(locale or self.settings.default_locale)

    @cached_property
    def parser(self) -> Parser:
        return load_parser(self.settings, self.tokenizer)

    @cached_property
    def flows(self) -> FlowSet:
        return load_flows(
            FLOWS_DIR,
            set(self.taxonomy.intents),
            set(self.taxonomy.topics),
            self.knowledge.document_provinces,
        )

    @cached_property
    def cipher(self) -> Cipher:
        return Cipher(load_or_create_key(self.settings.ensure_data_dir(), self.settings.secret_key))

    @cached_property
    def engine_for_dialogue(self) -> DialogueEngine:
        return DialogueEngine(
            parser=self.parser,
            index=self.index,
            kb=self.knowledge,
            flows=self.flows,
            lexicon=self.lexicon,
            tokenizer=self.tokenizer,
            clock=self.clock,
            safety_net=load_safety_net(),
            translator=self.translator,
            retention_days=self.settings.retention_days,
        )

    @cached_property
    def conversations(self) -> ConversationService:
        self.upgrade_database()
        return ConversationService(self.engine_for_dialogue, self.sessions, self.cipher, self.clock)
