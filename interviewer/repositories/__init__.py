"""Repositories: the only code that knows collection names and Mongo syntax."""
from __future__ import annotations

from typing import Any

from .audit import AuditRepository
from .competencies import CompetencyRepository
from .demographics import DemographicsRepository
from .evaluations import EvaluationRepository
from .interviews import InterviewRepository
from .notices import NoticeRepository
from .outbox import OutboxRepository
from .panels import PanelRepository
from .questions import QuestionRepository
from .rate_limits import RateLimitRepository
from .responses import ResponseRepository
from .sessions import SessionRepository
from .templates import TemplateRepository
from .tokens import TokenRepository
from .users import UserRepository


class Repositories:
    """All repositories over one database handle."""

    def __init__(self, db: Any):
        self.db = db
        self.users = UserRepository(db)
        self.questions = QuestionRepository(db)
        self.interviews = InterviewRepository(db)
        self.responses = ResponseRepository(db)
        self.evaluations = EvaluationRepository(db)
        self.tokens = TokenRepository(db)
        self.sessions = SessionRepository(db)
        self.rate_limits = RateLimitRepository(db)
        self.outbox = OutboxRepository(db)
        self.audit = AuditRepository(db)
        self.notices = NoticeRepository(db)
        self.competencies = CompetencyRepository(db)
        self.templates = TemplateRepository(db)
        self.demographics = DemographicsRepository(db)
        self.panels = PanelRepository(db)
