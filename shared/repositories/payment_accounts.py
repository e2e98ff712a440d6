"""Payment accounts in the ``payments`` container (partition ``/userId``): one ``acct:<userId>`` per driver.

The id is fixed per user, so two concurrent first uses cannot both create one: the loser of the
create reads the winner's document back (``claim_account``).
"""

from __future__ import annotations

from shared.domain.payment_methods import PaymentAccount
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore

__all__ = ["claim_account", "find_account", "save_account"]

C = "payments"


async def find_account(store: DocumentStore, user_id: str) -> PaymentAccount | None:
    try:
        return PaymentAccount.model_validate(await store.read(C, PaymentAccount.key(user_id), user_id))
    except DocumentNotFound:
        return None


async def claim_account(store: DocumentStore, account: PaymentAccount) -> PaymentAccount:
    """Create ``account``, or return the one already stored for its user (another call got there first)."""
    try:
        return PaymentAccount.model_validate(await store.create(C, account.model_dump(mode="json")))
    except DocumentConflict:
        return PaymentAccount.model_validate(await store.read(C, account.id, account.user_id))


async def save_account(store: DocumentStore, account: PaymentAccount) -> PaymentAccount:
    """Replace under the account's ETag: a stale write raises ``PreconditionFailed``."""
    return PaymentAccount.model_validate(await store.replace(C, account.model_dump(mode="json"), etag=account.etag))
