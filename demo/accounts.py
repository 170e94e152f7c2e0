"""The demo's user accounts. The README and the tests read the same constants."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User

from demo.context import DemoContext

# Published on purpose: these accounts exist only in a demo database (seed_demo refuses to
# run with DEBUG off unless told to).
DEMO_PASSWORD = "cxresearch-demo"  # noqa: S105

LEAD_USERNAME = "lead"
RESEARCHER_USERNAME = "researcher"
VIEWER_USERNAME = "viewer"
ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    description: str
    is_staff: bool = False


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(LEAD_USERNAME, "Ngozi", "Adeyemi", "research lead on every study"),
    DemoAccount(RESEARCHER_USERNAME, "Tomás", "Herrera", "researcher on every study"),
    DemoAccount(
        VIEWER_USERNAME, "Hugo", "Lindberg", "stakeholder: viewer on two of the four studies"
    ),
    DemoAccount(ADMIN_USERNAME, "", "", "staff: user management and the admin site", True),
)

DEMO_USERNAMES: tuple[str, ...] = tuple(account.username for account in DEMO_ACCOUNTS)


def load_accounts(ctx: DemoContext) -> None:
    """Create the demo accounts; an account that already exists is reused and left untouched."""
    # Hashing is deliberately slow (hundreds of ms); the password is the same for all four.
    password_hash = make_password(DEMO_PASSWORD)
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is not None:
            ctx.notes.append(
                f"The account “{account.username}” already existed; its password was not changed."
            )
        else:
            user = User.objects.create(
                username=account.username,
                first_name=account.first_name,
                last_name=account.last_name,
                email=f"{account.username}@brightforge.example",
                password=password_hash,
                is_staff=account.is_staff,
                is_superuser=account.is_staff,
            )
        ctx.users[account.username] = user
    ctx.say(f"  accounts: {', '.join(ctx.users)}")
