"""Every model, imported in one place so the metadata is complete (Alembic, create_all)."""
from app.analytics.models import ChallengeView  # noqa: F401
from app.analytics.programme_models import Goal, OtherWins, ProgrammeCost  # noqa: F401
from app.api.models import ApiToken  # noqa: F401
from app.audit.models import AuditEntry  # noqa: F401
from app.auth.models import Company, User  # noqa: F401
from app.challenges import types as _types  # noqa: F401  (registers the built-in challenge types)
from app.chat.models import ChatChannel, ChatMessage  # noqa: F401
from app.feedback.models import Feedback  # noqa: F401
from app.identity.models import ProgrammeIdentity  # noqa: F401
from app.jobs.models import WorkerHeartbeat  # noqa: F401
from app.journey.models import Challenge, Level, LevelUnlock, Submission  # noqa: F401
from app.mail import OutboxMessage  # noqa: F401
from app.notifications.models import Notification  # noqa: F401
from app.nps.models import Alert, FollowUp, NpsResponse, Survey  # noqa: F401
from app.points.models import PointsCorrection, PointsEntry  # noqa: F401
from app.privacy.models import ConsentRecord  # noqa: F401
from app.referrals.models import (  # noqa: F401
    Ask,
    AskStatus,
    ProgrammeSettings,
    Referee,
    RefereeObjection,
    ReferenceCall,
    ReferralEvent,
    ReferralQuota,
    ShareClick,
)
from app.rewards.models import Badge, Redemption, Reward, UserBadge  # noqa: F401
from app.terms.models import TermsAcceptance, TermsVersion  # noqa: F401
from app.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage  # noqa: F401
