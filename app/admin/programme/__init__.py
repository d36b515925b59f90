"""Programme settings for marketing: the referral programme's rules (referral.py) and who "we" are to
customers and referees (identity.py)."""
from app.admin.programme import identity, referral  # noqa: F401  (their routes join bp)
from app.admin.programme.common import bp  # noqa: F401
