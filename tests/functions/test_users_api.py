"""Users and auth through the HTTP functions, called without a host."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.usefixtures("deps")

PASSWORD = "correct-horse-battery"


async def register(functions, email="ada@example.com", password=PASSWORD, name="Ada"):
    return await functions("register_user", "POST", body={"email": email, "password": password, "name": name})


async def login(functions, email="ada@example.com", password=PASSWORD, ip="203.0.113.7"):
    return await functions(
        "login", "POST", body={"email": email, "password": password}, headers={"x-forwarded-for": ip}
    )


async def signed_in(functions, email="ada@example.com"):
    await register(functions, email=email)
    answer = await login(functions, email=email)
    assert answer.status == 200, answer.json
    return answer.json


class TestRegister:
    async def test_register_returns_public_user_in_camel_case(self, functions):
        answer = await register(functions)
        assert answer.status == 201
        assert answer.headers["location"] == "/api/me"
        assert answer.json["email"] == "ada@example.com"
        assert answer.json["roles"] == ["driver"]
        assert "passwordHash" not in answer.json and "createdAt" in answer.json

    async def test_email_unique_ignoring_case(self, functions):
        assert (await register(functions, email="Ada@Example.com")).status == 201
        again = await register(functions, email="ada@EXAMPLE.com")
        assert again.status == 409
        assert again.headers["content-type"].startswith("application/problem+json")
        assert again.json["code"] == "email_taken"

    async def test_invalid_fields_give_422_with_each_field(self, functions):
        answer = await functions("register_user", "POST", body={"email": "nope", "password": "short", "name": ""})
        assert answer.status == 422
        fields = {e["field"] for e in answer.json["errors"]}
        assert fields == {"email", "password", "name"}
        assert answer.json["code"] == "validation_failed"

    async def test_unknown_field_refused(self, functions):
        answer = await functions(
            "register_user", "POST", body={"email": "a@example.com", "password": PASSWORD, "name": "A", "role": "admin"}
        )
        assert answer.status == 422

    async def test_malformed_json_gives_400_and_changes_nothing(self, functions):
        answer = await functions("register_user", "POST", raw=b'{"email": "a@example.com",')
        assert answer.status == 400
        assert answer.json["code"] == "malformed_json"
        assert (await login(functions, email="a@example.com")).status == 401

    async def test_body_over_one_mib_gives_413(self, functions):
        answer = await functions("register_user", "POST", raw=b" " * (1024 * 1024 + 1))
        assert answer.status == 413
        assert answer.json["code"] == "payload_too_large"


class TestLogin:
    async def test_login_gives_tokens_that_read_me(self, functions):
        tokens = await signed_in(functions)
        assert tokens["tokenType"] == "Bearer" and tokens["expiresIn"] == 900
        me = await functions("read_me", token=tokens["accessToken"])
        assert me.status == 200 and me.json["name"] == "Ada"
        assert me.headers["etag"]

    async def test_wrong_password_and_unknown_account_look_the_same(self, functions):
        await register(functions)
        wrong = await login(functions, password="not-the-password")
        unknown = await login(functions, email="nobody@example.com")
        assert wrong.status == unknown.status == 401
        assert wrong.json["code"] == unknown.json["code"] == "invalid_credentials"

    async def test_repeated_failures_throttle_the_account(self, functions, clock):
        await register(functions)
        for _ in range(3):
            assert (await login(functions, password="wrong-password")).status == 401
        blocked = await login(functions)  # even the right password waits
        assert blocked.status == 429
        assert blocked.json["code"] == "login_throttled"
        assert int(blocked.headers["retry-after"]) > 0
        clock.advance(seconds=901)
        assert (await login(functions)).status == 200

    async def test_failures_throttle_the_client_address(self, functions):
        for i in range(10):
            await login(functions, email=f"nobody{i}@example.com", ip="198.51.100.1")
        await register(functions, email="zed@example.com")
        assert (await login(functions, email="zed@example.com", ip="198.51.100.1")).status == 429
        assert (await login(functions, email="zed@example.com", ip="198.51.100.2")).status == 200


class TestRefresh:
    async def test_refresh_rotates(self, functions):
        first = await signed_in(functions)
        second = await functions("refresh_tokens", "POST", body={"refreshToken": first["refreshToken"]})
        assert second.status == 200
        assert second.json["refreshToken"] != first["refreshToken"]
        assert (await functions("read_me", token=second.json["accessToken"])).status == 200

    async def test_reuse_of_a_spent_token_revokes_the_family(self, functions):
        first = await signed_in(functions)
        second = await functions("refresh_tokens", "POST", body={"refreshToken": first["refreshToken"]})
        reuse = await functions("refresh_tokens", "POST", body={"refreshToken": first["refreshToken"]})
        assert reuse.status == 401 and reuse.json["code"] == "refresh_token_reused"
        # the live token of the same family is now dead too
        live = await functions("refresh_tokens", "POST", body={"refreshToken": second.json["refreshToken"]})
        assert live.status == 401

    async def test_logout_revokes(self, functions):
        tokens = await signed_in(functions)
        out = await functions(
            "logout", "POST", body={"refreshToken": tokens["refreshToken"]}, token=tokens["accessToken"]
        )
        assert out.status == 204
        again = await functions("refresh_tokens", "POST", body={"refreshToken": tokens["refreshToken"]})
        assert again.status == 401

    async def test_logout_with_someone_elses_token_is_refused(self, functions):
        ada = await signed_in(functions)
        bob = await signed_in(functions, email="bob@example.com")
        out = await functions("logout", "POST", body={"refreshToken": bob["refreshToken"]}, token=ada["accessToken"])
        assert out.status == 401
        assert (await functions("refresh_tokens", "POST", body={"refreshToken": bob["refreshToken"]})).status == 200

    async def test_garbage_refresh_token(self, functions):
        answer = await functions("refresh_tokens", "POST", body={"refreshToken": "rtf_nope.secret"})
        assert answer.status == 401


class TestProfile:
    async def test_patch_me_with_if_match(self, functions):
        tokens = await signed_in(functions)
        me = await functions("read_me", token=tokens["accessToken"])
        etag = me.headers["etag"]
        ok = await functions(
            "update_me", "PATCH", body={"name": "Ada L."}, token=tokens["accessToken"], headers={"if-match": etag}
        )
        assert ok.status == 200 and ok.json["name"] == "Ada L."
        stale = await functions(
            "update_me", "PATCH", body={"locale": "de"}, token=tokens["accessToken"], headers={"if-match": etag}
        )
        assert stale.status == 412 and stale.json["code"] == "stale_version"
        assert (await functions("read_me", token=tokens["accessToken"])).json["locale"] == "en"

    async def test_change_password_signs_out_other_devices(self, functions):
        tokens = await signed_in(functions)
        wrong = await functions(
            "change_password",
            "POST",
            token=tokens["accessToken"],
            body={"currentPassword": "nope", "newPassword": "another-long-one"},
        )
        assert wrong.status == 422 and wrong.json["code"] == "wrong_password"
        ok = await functions(
            "change_password",
            "POST",
            token=tokens["accessToken"],
            body={"currentPassword": PASSWORD, "newPassword": "another-long-one"},
        )
        assert ok.status == 204
        assert (await functions("refresh_tokens", "POST", body={"refreshToken": tokens["refreshToken"]})).status == 401
        assert (await login(functions)).status == 401
        assert (await login(functions, password="another-long-one")).status == 200


class TestRfidTags:
    async def test_add_list_block_remove(self, functions):
        tokens = await signed_in(functions)
        t = tokens["accessToken"]
        added = await functions("add_rfid_tag", "POST", body={"idTag": "04a1b2c3", "label": "blue"}, token=t)
        assert added.status == 201 and added.json["idTag"] == "04A1B2C3"
        listed = await functions("list_rfid_tags", token=t)
        assert [x["idTag"] for x in listed.json] == ["04A1B2C3"]
        blocked = await functions(
            "update_rfid_tag", "PATCH", body={"status": "Blocked"}, token=t, route={"idTag": "04a1b2c3"}
        )
        assert blocked.json["status"] == "Blocked"
        assert (await functions("remove_rfid_tag", "DELETE", token=t, route={"idTag": "04A1B2C3"})).status == 204
        assert (await functions("list_rfid_tags", token=t)).json == []

    async def test_a_tag_belongs_to_one_driver(self, functions):
        ada = await signed_in(functions)
        bob = await signed_in(functions, email="bob@example.com")
        await functions("add_rfid_tag", "POST", body={"idTag": "TAG1"}, token=ada["accessToken"])
        taken = await functions("add_rfid_tag", "POST", body={"idTag": "tag1"}, token=bob["accessToken"])
        assert taken.status == 409 and taken.json["code"] == "rfid_tag_taken"
        steal = await functions("remove_rfid_tag", "DELETE", token=bob["accessToken"], route={"idTag": "TAG1"})
        assert steal.status == 404
        assert (await functions("list_rfid_tags", token=bob["accessToken"])).json == []
        assert len((await functions("list_rfid_tags", token=ada["accessToken"])).json) == 1

    async def test_id_tag_longer_than_ocpp_allows(self, functions):
        tokens = await signed_in(functions)
        answer = await functions("add_rfid_tag", "POST", body={"idTag": "X" * 21}, token=tokens["accessToken"])
        assert answer.status == 422


class TestRolesAndTokens:
    async def test_driver_gets_403_on_admin_route(self, functions):
        tokens = await signed_in(functions)
        answer = await functions("list_all_users", token=tokens["accessToken"])
        assert answer.status == 403 and answer.json["code"] == "forbidden_role"

    async def test_first_admin_from_settings_lists_users(self, functions):
        await register(functions)
        admin = await login(functions, email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
        assert admin.status == 200
        answer = await functions("list_all_users", token=admin.json["accessToken"], params={"limit": "1"})
        assert answer.status == 200
        seen = [u["email"] for u in answer.json["items"]]
        while answer.json["continuationToken"]:
            answer = await functions(
                "list_all_users",
                token=admin.json["accessToken"],
                params={"limit": "1", "continuationToken": answer.json["continuationToken"]},
            )
            seen += [u["email"] for u in answer.json["items"]]
        assert sorted(seen) == ["ada@example.com", ADMIN_EMAIL]

    async def test_no_token_gives_401(self, functions):
        answer = await functions("read_me")
        assert answer.status == 401 and answer.headers["www-authenticate"].startswith("Bearer")

    async def test_tampered_token_gives_401(self, functions):
        tokens = await signed_in(functions)
        head, payload, sig = tokens["accessToken"].split(".")
        tampered = f"{head}.{payload}.{sig[:-4]}AAAA"
        answer = await functions("read_me", token=tampered)
        assert answer.status == 401 and answer.json["code"] == "invalid_token"

    async def test_expired_token_gives_401(self, functions, clock):
        tokens = await signed_in(functions)
        clock.advance(seconds=901)
        answer = await functions("read_me", token=tokens["accessToken"])
        assert answer.status == 401 and answer.json["code"] == "token_expired"


async def test_garbage_continuation_token_is_refused_not_a_500(functions):
    admin = await login(functions, email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    answer = await functions("list_all_users", token=admin.json["accessToken"], params={"continuationToken": "nope!"})
    assert answer.status == 422
    assert answer.json["code"] == "invalid_continuation_token"
