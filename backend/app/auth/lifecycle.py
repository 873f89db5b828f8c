"""An account's life after registration: a new password, signing out everywhere,
deletion, and the export of everything it owns.

Every access token carries its user's token generation (``gen``); each request
and each DM socket checks it against the user's (:func:`app.auth.service.user_for_token`,
:func:`app.deps.get_current_user_id`). Raising the generation revokes every token
issued before, and :func:`app.realtime.revocation.revoke_user` closes the user's
open DM sockets (4403) in every worker when the transaction commits.

A password change and a deletion ask for the current password. They are checked
like a login (the same throttle, argon2 off the event loop, no transaction open
meanwhile), then the change is made in one short transaction of its own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import repository, service, throttle
from app.auth.models import User
from app.auth.security import IssuedToken, hash_password, issue_token, verify_password
from app.campaigns import repository as campaigns
from app.characters import repository as characters
from app.characters.schemas import CharacterOut
from app.config import Settings
from app.encounters import exchange
from app.encounters import repository as encounters
from app.encounters.schemas import EventOut
from app.encounters.state import EncounterState
from app.errors import Forbidden, InvalidToken
from app.realtime import revocation
from app.statblocks import repository as statblocks

EXPORT_FORMAT: Final = "initiative-tracker/account"
EXPORT_VERSION: Final = 1


class WrongPassword(Forbidden):
    """The current password, asked again before a change to the account, is wrong.
    (403, not 401: the token is fine, and a client must not sign out over it.)"""

    type = "wrong-password"
    title = "The current password is wrong"


async def _confirmed(
    sessions: async_sessionmaker[AsyncSession],
    *,
    token: str,
    password: str,
    client: str | None,
    settings: Settings,
) -> User:
    """The token's user, once ``password`` is confirmed as theirs."""
    async with sessions() as session:
        user = await service.user_for_token(session, settings, token)
    keys = throttle.login_keys(user.email, client)
    await throttle.admit_login(sessions, keys, settings)
    if not await asyncio.to_thread(verify_password, password, user.password_hash):
        raise WrongPassword("The current password is wrong.")
    await throttle.login_succeeded(sessions, keys)
    return user


async def _reloaded(session: AsyncSession, confirmed: User) -> User:
    """The user again, inside the transaction that changes them: still there, and
    not signed out everywhere meanwhile."""
    user = await repository.get_user(session, confirmed.id)
    if user is None or user.token_generation != confirmed.token_generation:
        raise InvalidToken("The access token was revoked; sign in again.")
    return user


async def change_password(
    sessions: async_sessionmaker[AsyncSession],
    *,
    token: str,
    current_password: str,
    new_password: str,
    client: str | None,
    settings: Settings,
) -> IssuedToken:
    """A new password signs out every session, this one included, and answers a
    fresh token for this one."""
    confirmed = await _confirmed(
        sessions, token=token, password=current_password, client=client, settings=settings
    )
    new_hash = await asyncio.to_thread(hash_password, new_password)
    async with sessions() as session, session.begin():
        user = await _reloaded(session, confirmed)
        user.password_hash = new_hash
        generation = await repository.raise_token_generation(session, user)
        await revocation.revoke_user(session, user.id)
    return issue_token(
        user.id,
        secret=settings.jwt_secret,
        expires_minutes=settings.jwt_expires_minutes,
        generation=generation,
    )


async def sign_out_everywhere(session: AsyncSession, user: User) -> None:
    """Every token issued to the user stops working; their DM sockets close."""
    await repository.raise_token_generation(session, user)
    await revocation.revoke_user(session, user.id)


async def delete_account(
    sessions: async_sessionmaker[AsyncSession],
    *,
    token: str,
    password: str,
    client: str | None,
    settings: Settings,
) -> None:
    """Delete the account and what it owns, in one transaction:

    - a campaign it owns passes to its longest-serving co-DM, or, with none, is
      deleted with its characters and encounters (their sockets close, 4404);
    - its homebrew stat blocks (combatants made from them keep their numbers);
    - its co-DM memberships, and invitations addressed to its email;
    - the account; its DM sockets close (4403).
    """
    confirmed = await _confirmed(
        sessions, token=token, password=password, client=client, settings=settings
    )
    async with sessions() as session, session.begin():
        user = await _reloaded(session, confirmed)
        for campaign in await campaigns.owned_by(session, user.id):
            heir = await campaigns.longest_serving_co_dm(session, campaign.id)
            if heir is None:
                await campaigns.remove(session, campaign)
                await revocation.campaign_deleted(session, campaign.id)
                continue
            await campaigns.remove_member(session, campaign.id, heir)
            campaign.owner_id = heir
            await session.flush()
        await statblocks.remove_owned_by(session, user.id)
        await campaigns.remove_invitations_to(session, user.email)
        await repository.remove_user(session, user)
        await revocation.revoke_user(session, user.id)


async def export(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything the account owns, as one JSON document: the account, each campaign
    it owns (characters, and each encounter as its export plus its whole log), its
    homebrew; campaigns it co-DMs are named, not copied (others own them)."""
    owned: list[dict[str, Any]] = []
    for campaign in await campaigns.owned_by(session, user.id):
        fights: list[dict[str, Any]] = []
        for encounter in await encounters.all_for_campaign(session, campaign.id):
            log = await encounters.all_events(session, encounter.id)
            fights.append(
                {
                    "id": encounter.id,
                    **exchange.export(EncounterState.model_validate(encounter.state)),
                    "events": [
                        EventOut.model_validate(e, from_attributes=True).model_dump(mode="json")
                        for e in log
                    ],
                }
            )
        owned.append(
            {
                "id": campaign.id,
                "name": campaign.name,
                "description": campaign.description,
                "created_at": campaign.created_at.isoformat(),
                "characters": [
                    CharacterOut.model_validate(c).model_dump(mode="json")
                    for c in await characters.all_for_campaign(session, campaign.id)
                ],
                "encounters": fights,
            }
        )
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "created_at": user.created_at.isoformat(),
        },
        "console_settings": (await service.console_settings(session, user.id)).model_dump(
            mode="json"
        ),
        "campaigns": owned,
        "co_dm_of": [
            {"id": c.id, "name": c.name} for c in await campaigns.co_dm_of(session, user.id)
        ],
        "statblocks": [
            {"id": b.id, **b.data, "created_at": b.created_at.isoformat()}
            for b in await statblocks.owned_by(session, user.id)
        ],
    }
