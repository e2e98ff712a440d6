"""``POST /api/me/password`` signs out every *other* device: the refresh token the caller sends
(``refreshToken``, optional) stays valid, every other one of the account is revoked. Without it, or with a
token that is not the caller's live one, every refresh token is revoked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functions.test_users_api import PASSWORD, login, register

pytestmark = pytest.mark.usefixtures("deps")

NEW = "another-long-one"


async def devices(functions: Any, n: int, email: str = "ada@example.com") -> list[dict[str, Any]]:
    """``n`` sign-ins of one account: each a token pair of its own refresh family."""
    assert (await register(functions, email=email)).status == 201
    pairs = []
    for _ in range(n):
        answer = await login(functions, email=email)
        assert answer.status == 200, answer.json
        pairs.append(answer.json)
    return pairs


async def change(functions: Any, access: str, **body: Any) -> Any:
    payload = {"currentPassword": PASSWORD, "newPassword": NEW, **body}
    return await functions("change_password", "POST", token=access, body=payload)


async def refresh(functions: Any, refresh_token: str) -> Any:
    return await functions("refresh_tokens", "POST", body={"refreshToken": refresh_token})


async def test_this_device_stays_signed_in_and_the_others_are_signed_out(functions):
    this, other, third = await devices(functions, 3)
    answer = await change(functions, this["accessToken"], refreshToken=this["refreshToken"])
    assert answer.status == 204, answer.json

    kept = await refresh(functions, this["refreshToken"])
    assert kept.status == 200, kept.json
    assert (await refresh(functions, kept.json["refreshToken"])).status == 200  # and it keeps rotating
    for gone in (other, third):
        refused = await refresh(functions, gone["refreshToken"])
        assert refused.status == 401 and refused.json["code"] == "invalid_refresh_token"
    assert (await login(functions)).status == 401
    assert (await login(functions, password=NEW)).status == 200


async def test_a_token_refreshed_before_the_change_is_kept_as_this_device(functions):
    this, other = await devices(functions, 2)
    rotated = (await refresh(functions, this["refreshToken"])).json
    assert (await change(functions, rotated["accessToken"], refreshToken=rotated["refreshToken"])).status == 204
    assert (await refresh(functions, rotated["refreshToken"])).status == 200
    assert (await refresh(functions, other["refreshToken"])).status == 401


async def test_without_a_token_every_device_is_signed_out(functions):
    this, other = await devices(functions, 2)
    assert (await change(functions, this["accessToken"])).status == 204
    assert (await refresh(functions, this["refreshToken"])).status == 401
    assert (await refresh(functions, other["refreshToken"])).status == 401


@pytest.mark.parametrize("which", ["spent", "someone_elses", "malformed", "unknown_family"])
async def test_a_token_that_is_not_the_callers_live_one_keeps_nothing(functions, which):
    this, other = await devices(functions, 2)
    (bob,) = await devices(functions, 1, email="bob@example.com")
    if which == "spent":
        presented = this["refreshToken"]
        this = (await refresh(functions, presented)).json  # presented is spent now: not a live token
    else:
        presented = {
            "someone_elses": bob["refreshToken"],
            "malformed": "not-a-token",
            "unknown_family": "rtf_00000000000000000000000000000000.secret",
        }[which]

    assert (await change(functions, this["accessToken"], refreshToken=presented)).status == 204
    assert (await refresh(functions, this["refreshToken"])).status == 401
    assert (await refresh(functions, other["refreshToken"])).status == 401
    assert (await login(functions, password=NEW)).status == 200
    if which == "someone_elses":  # bob's sign-in is bob's: neither kept for ada nor revoked
        assert (await refresh(functions, bob["refreshToken"])).status == 200


async def test_a_refused_change_revokes_nothing(functions):
    this, other = await devices(functions, 2)
    wrong = await change(functions, this["accessToken"], currentPassword="nope", refreshToken=this["refreshToken"])
    assert wrong.status == 422 and wrong.json["code"] == "wrong_password"
    empty = await change(functions, this["accessToken"], refreshToken="")
    assert empty.status == 422 and {e["field"] for e in empty.json["errors"]} == {"refreshToken"}
    assert (await refresh(functions, this["refreshToken"])).status == 200
    assert (await refresh(functions, other["refreshToken"])).status == 200
