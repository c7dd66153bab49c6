"""Tables that the edges own (the engine never touches the database).

Every table with a user key declares what it holds about the user (`UserData`, see
bot/storage/user_data.py): what /mydata calls its rows and what /forget does to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.key_child_models import KeyChild, KeyChildVisit, WorkerTelegram  # noqa: F401  (registered)
from bot.storage.user_data import OnForget, UserData, UserDataDeclaration
from core.database import Base
from core.i18n import N_
from reminders.store import ReminderRow  # noqa: F401  (reminders/ owns it; registered with the others)


class UnansweredQuestion(Base):
    """A question the knowledge base could not answer: what civil-affairs staff review to fill gaps.
    The words as asked stay here (`tongxing kb gaps`); the gap report shows only `scrubbed`, their
    scrubbed copy, with the `terms` its themes are made of (both filled by bot/reports/refresh.py).
    A conversation's question carries the family's keyed hash: /forget deletes it."""

    __tablename__ = "unanswered_question"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32), default="cli")
    province: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    family: Mapped[str | None] = mapped_column(String(40), index=True)
    scrubbed: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str | None] = mapped_column(String(200))  # space-separated, sorted; "" for none


class ReportSummary(Base):
    """A report of a province or a city over a standard period, built by the scheduler and stored
    already suppressed (bot/reports/summary.py): what the reports page and `tongxing report` serve."""

    __tablename__ = "report_summary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(100))
    days: Mapped[int] = mapped_column(Integer)
    since: Mapped[date] = mapped_column(Date)
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)  # the report as JSON (bot/reports/render.py)
    __table_args__ = (Index("ix_report_summary_lookup", "name", "scope", "since"),)


class ReportRefresh(Base):
    """When each summary the reports read was last brought up to date (bot/reports/refresh.py)."""

    __tablename__ = "report_refresh"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportRollup(Base):
    """The turn log summed per day for the reports (bot/reports/rollup.py), rebuilt by the scheduler:
    per measure (questions by topic, by topic and week, families who asked, started, finished, the
    step a family was last at in a flow), per place at one level (0 every place, 1 the province, 2 a
    city, 3 a district; the columns below the level are empty) and per key (topic, flow, step), each
    day's turns and the families whose last turn of the cell fell on that day: so the families of
    any period that runs to today are a sum over its days, like the turns."""

    __tablename__ = "report_rollup"
    __table_args__ = (Index("ix_report_rollup_lookup", "measure", "level", "province", "city", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    measure: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    province: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(32))
    key1: Mapped[str | None] = mapped_column(String(40))  # topic or flow
    key2: Mapped[str | None] = mapped_column(String(40))  # the step ("-" none, empty when finished)
    day: Mapped[date] = mapped_column(Date)
    turns: Mapped[int] = mapped_column(Integer)
    families: Mapped[int] = mapped_column(Integer)


class KnowledgeImport(Base):
    """An audit line for every city list imported from a spreadsheet."""

    __tablename__ = "knowledge_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(255))
    province: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(32))
    services: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Conversation(UserData, Base):
    """One user's conversation state (encrypted JSON), with a version for safe concurrent updates."""

    __tablename__ = "conversation"
    # The state holds the children, places and consents: deleted.
    __user_data__ = UserDataDeclaration(N_("对话进度：{n}份"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), unique=True)  # "<channel>:<user id>"
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MessageLog(UserData, Base):
    """Every message in and out (encrypted text); purged after the retention period."""

    __tablename__ = "message_log"
    # The parent's own words: deleted.
    __user_data__ = UserDataDeclaration(N_("聊天记录：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # in | out | worker
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class HandoffTicket(UserData, Base):
    """A conversation handed to a person: what the worker console serves."""

    __tablename__ = "handoff_ticket"
    # the console's queue: the tickets not closed in order within an urgency, and counted per scope
    __table_args__ = (
        Index(
            "ix_handoff_ticket_queue",
            "urgency",
            "created_at",
            "id",
            postgresql_where=text("status <> 'closed'"),
            sqlite_where=text("status <> 'closed'"),
        ),
        Index(
            "ix_handoff_ticket_scope",
            "city",
            "district",
            "urgency",
            postgresql_where=text("status <> 'closed'"),
            sqlite_where=text("status <> 'closed'"),
        ),
    )
    # The summary describes the family's situation: on /forget it is wiped and the ticket closed as
    # "forgotten" first (bot/storage/appliers.py `retire_tickets`), then the row stays under a random
    # marker, so the worker holding it sees that the parent deleted their data.
    __user_data__ = UserDataDeclaration(N_("转社工的记录：{n}条"), OnForget.ANONYMISE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | assigned | closed
    province: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # after a crisis: is the child safe now (safe | unsafe | unknown), and the parent's answers (encrypted)
    safety: Mapped[str | None] = mapped_column(String(16))
    follow_up: Mapped[bytes | None] = mapped_column(LargeBinary)
    # the worker console: who owns it (one at a time), since when, and how it ended
    worker_id: Mapped[int | None] = mapped_column(Integer, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))  # resolved | referred | no_response | duplicate
    # the case summary as JSON (dialogues/case_summary.py), encrypted: it holds the child's age and stage
    case_summary: Mapped[bytes | None] = mapped_column(LargeBinary)


class ConsentRecord(UserData, Base):
    """Every consent given or refused, per purpose (the audit trail of consents, without content)."""

    __tablename__ = "consent_record"
    # Deleted, not anonymised: a consent record proves the right to keep the data it covers, and after
    # /forget none of that data is left; an anonymised row would prove nothing about anyone, while a
    # pseudonymous one would still be a trace of the person who asked to be forgotten.
    __user_data__ = UserDataDeclaration(N_("同意或不同意的记录：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StoredChecklist(UserData, Base):
    """A finished flow's checklist (encrypted) with its key dates in structured form, for reminders."""

    __tablename__ = "checklist"
    # The child's dates and the family's paperwork: deleted.
    __user_data__ = UserDataDeclaration(N_("清单：{n}份"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    child_ref: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    dates: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkerAccess(UserData, Base):
    """Every time a worker sees a family's conversation or ticket: who, what, when (an audit trail)."""

    __tablename__ = "worker_access"
    # Anonymised, not deleted: the rows record what workers did, and a family's /forget must not erase
    # the record of who looked at its conversation. The row holds nothing about the family except the
    # user key (the ticket id then points to a deleted ticket), so a random marker replaces the key.
    __user_data__ = UserDataDeclaration(N_("社工查看你的对话的记录：{n}次"), OnForget.ANONYMISE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # e.g. list_tickets, read_transcript
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StateQuarantine(UserData, Base):
    """A stored conversation state that could not be read (undecryptable, unparseable, or newer than
    the code), kept aside as it was stored instead of being overwritten: `tongxing db quarantine`."""

    __tablename__ = "state_quarantine"
    # The encrypted state as it was stored (children, places, consents): deleted.
    __user_data__ = UserDataDeclaration(N_("没能读出来的旧对话进度：{n}份"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)  # as stored: still encrypted
    reason: Mapped[str] = mapped_column(String(200))  # never the state's content
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WeChatContact(UserData, Base):
    """A WeChat parent's last message time (the 48-hour window for customer-service messages) and
    whether they unfollowed the account (then nothing more is sent)."""

    __tablename__ = "wechat_contact"
    # When the parent last wrote, and whether they still follow the account: deleted.
    __user_data__ = UserDataDeclaration(N_("微信公众号的联系记录：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), unique=True)  # "wechat:<openid>"
    last_inbound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unsubscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The latest send time of a reminder already mentioned as falling after the window (said once).
    told_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WeChatSubscription(UserData, Base):
    """A parent's acceptance of one subscription message (一次性订阅消息): each allows one message
    through /cgi-bin/message/template/subscribe, used by the first reminder due outside the window."""

    __tablename__ = "wechat_subscription"
    # Which subscription messages the parent accepted, and when one was used: deleted.
    __user_data__ = UserDataDeclaration(N_("微信订阅消息的授权：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)  # "wechat:<openid>"
    template_id: Mapped[str] = mapped_column(String(128))
    scene: Mapped[int] = mapped_column(Integer)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WeChatOutbox(UserData, Base):
    """A message for a WeChat parent that could not be sent yet (outside the 48-hour window, or
    WeChat refused it): delivered with the reply to the parent's next message."""

    __tablename__ = "wechat_outbox"
    # Replies not yet delivered (encrypted): deleted.
    __user_data__ = UserDataDeclaration(N_("还没发出的微信消息：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BlockedChat(UserData, Base):
    """A chat whose user blocked the bot (Telegram answered 403): nothing more is sent there until
    the user writes again (which unblocks it). The user key is "<channel>:<chat id>"."""

    __tablename__ = "blocked_chat"
    # Only that the chat blocked the bot, and when: deleted.
    __user_data__ = UserDataDeclaration(N_("你屏蔽过机器人的记录：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), unique=True)
    blocked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Worker(Base):
    """A person who signs in to the worker console: a social worker (their districts), a supervisor
    (their city) or an admin (everything). Not a family's data: no user key."""

    __tablename__ = "worker"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    role: Mapped[str] = mapped_column(String(16))  # worker | supervisor | admin
    city: Mapped[str | None] = mapped_column(String(32))
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)  # raised: every session ends
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TicketNote(UserData, Base):
    """A worker's internal note on a ticket (encrypted); never shown to the parent."""

    __tablename__ = "ticket_note"
    # What a worker wrote about the family: deleted with the family's data.
    __user_data__ = UserDataDeclaration(N_("社工的内部备注：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    worker_id: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(UserData, Base):
    """Every console action (login, transcript view, claim, reply, note, hand back, close, export):
    what supervisors read and export at /console/audit."""

    __tablename__ = "console_audit"
    # Anonymised, not deleted, like the worker access log: the record of who did what stays.
    __user_data__ = UserDataDeclaration(N_("社工处理你的对话的记录：{n}条"), OnForget.ANONYMISE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[int | None] = mapped_column(Integer, index=True)
    worker_login: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    user_key: Mapped[str] = mapped_column(String(128), index=True, default="")  # "" when no family
    detail: Mapped[str] = mapped_column(String(200), default="")  # never a message's words
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Outbox(UserData, Base):
    """What the assistant or a worker said to a parent on a channel that cannot be written to at any
    time (the web chat): kept until the parent's page collects it."""

    __tablename__ = "outbox"
    # Messages not yet collected (encrypted): deleted.
    __user_data__ = UserDataDeclaration(N_("还没送到的消息：{n}条"), OnForget.DELETE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_key: Mapped[str] = mapped_column(String(128), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TurnLog(Base):
    """One row per turn of a conversation, for the reports (bot/reports/): what it was about, never
    its words. The family is a keyed hash of the user key (bot/storage/turn_log.py), so families can
    be counted but not named; /forget replaces it with a random marker (no user key is stored)."""

    __tablename__ = "turn_log"
    __table_args__ = (
        Index("ix_turn_log_province_day", "province", "day"),
        Index("ix_turn_log_city_day", "city", "day"),
        Index("ix_turn_log_district_day", "district", "day"),
        Index("ix_turn_log_flow_family", "flow", "family"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[date] = mapped_column(Date, index=True)  # the family's day (the service's zone)
    channel: Mapped[str] = mapped_column(String(16))
    family: Mapped[str] = mapped_column(String(40))
    intent: Mapped[str | None] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(40))
    service: Mapped[str | None] = mapped_column(String(64))  # answered (or rated) this turn
    after_service: Mapped[str | None] = mapped_column(String(64))  # the service on screen before it
    flow: Mapped[str | None] = mapped_column(String(40))  # the guided flow the turn was in
    step: Mapped[str | None] = mapped_column(String(40))  # the step it reached (none when finished)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)  # the flow finished to a checklist
    province: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(32))
    handoff: Mapped[bool] = mapped_column(Boolean, default=False)  # a ticket opened this turn
    gap: Mapped[bool] = mapped_column(Boolean, default=False)  # a question without an answer
    question: Mapped[bool] = mapped_column(Boolean, default=False)  # a question answered or not


class AnswerFeedback(Base):
    """A parent's answer to "有帮助吗？": the service, the place, the channel; never words. The family
    is the turn log's keyed hash (suppression counts families), replaced on /forget."""

    __tablename__ = "answer_feedback"
    __table_args__ = (Index("ix_answer_feedback_city_day", "city", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    family: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(64))
    rating: Mapped[str] = mapped_column(String(16))  # helpful | not_helpful | human
    province: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(32))
