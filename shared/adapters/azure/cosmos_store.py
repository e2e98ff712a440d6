"""DocumentStore on Azure Cosmos DB for NoSQL (``azure.cosmos.aio``).

The client, the database and each container are set up lazily, once, on first
use: importing or building the store does no I/O, so a Functions worker that
never touches a container never pays for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from azure.core import MatchConditions
from azure.core.async_paging import AsyncPageIterator
from azure.core.credentials_async import AsyncTokenCredential
from azure.cosmos import PartitionKey
from azure.cosmos.aio import ContainerProxy, CosmosClient, DatabaseProxy
from azure.cosmos.exceptions import (
    CosmosAccessConditionFailedError,
    CosmosHttpResponseError,
    CosmosResourceExistsError,
    CosmosResourceNotFoundError,
)

from shared.adapters.azure.cosmos_query import build_sql, nest, projection, unwrap_token, wrap_token
from shared.containers import CONTAINERS
from shared.ports.store import (
    ContainerSpec,
    Document,
    DocumentConflict,
    DocumentNotFound,
    InvalidContinuation,
    Page,
    PreconditionFailed,
    Query,
    StoreError,
)

__all__ = ["CosmosDocumentStore"]

# Cosmos' system properties: dropped from what callers see (``_etag`` excepted,
# it is the port's concurrency token) and from what they write back.
_HIDDEN = frozenset({"_rid", "_self", "_attachments", "_ts"})
_SYSTEM = _HIDDEN | {"_etag"}


@contextmanager
def _mapped(what: str) -> Iterator[None]:
    """Turn the SDK's HTTP errors into the port's errors."""
    try:
        yield
    except CosmosAccessConditionFailedError as exc:
        raise PreconditionFailed(what) from exc
    except CosmosResourceNotFoundError as exc:
        raise DocumentNotFound(what) from exc
    except CosmosResourceExistsError as exc:
        raise DocumentConflict(what) from exc
    except CosmosHttpResponseError as exc:
        if exc.status_code == 412:
            raise PreconditionFailed(what) from exc
        raise StoreError(f"{what}: Cosmos DB answered {exc.status_code}: {exc.message}") from exc


def _out(item: Mapping[str, Any]) -> Document:
    return {k: v for k, v in item.items() if k not in _HIDDEN}


def _in(doc: Document) -> Document:
    if not isinstance(doc.get("id"), str) or not doc["id"]:
        raise ValueError(f"a document needs a non-empty string id, not {doc.get('id')!r}")
    return {k: v for k, v in doc.items() if k not in _SYSTEM}


def _condition(etag: str | None) -> dict[str, Any]:
    return {} if etag is None else {"etag": etag, "match_condition": MatchConditions.IfNotModified}


class CosmosDocumentStore:
    """The DocumentStore port on one Cosmos DB database (see the module docstring)."""

    def __init__(
        self,
        endpoint: str,
        credential: str | AsyncTokenCredential,
        database: str = "wattsup",
        containers: Mapping[str, ContainerSpec] = CONTAINERS,
        connection_verify: bool = True,
    ) -> None:
        self._endpoint = endpoint
        self._credential = credential
        self._database_name = database
        self._containers = dict(containers)
        self._verify = connection_verify
        self._client: CosmosClient | None = None
        self._database: DatabaseProxy | None = None
        self._proxies: dict[str, ContainerProxy] = {}
        self._lock = asyncio.Lock()

    async def _db(self) -> DatabaseProxy:
        if self._database is None:
            client = CosmosClient(self._endpoint, self._credential, connection_verify=self._verify)
            await client.__aenter__()  # opens the transport and reads the account once
            self._client, self._database = client, client.get_database_client(self._database_name)
        return self._database

    async def _container(self, name: str) -> tuple[ContainerProxy, ContainerSpec]:
        spec = self._containers.get(name)
        if spec is None:
            raise ValueError(f"unknown container {name!r}")
        proxy = self._proxies.get(name)
        if proxy is None:
            async with self._lock:
                proxy = self._proxies.get(name) or await self._open(spec)
                self._proxies[name] = proxy
        return proxy, spec

    async def _open(self, spec: ContainerSpec) -> ContainerProxy:
        """Read the container first, create it (and the database) only if missing.

        In Azure, Bicep provisions both, and a Microsoft Entra (RBAC) token may
        not create them: the data plane refuses control-plane writes. So the
        common path is one read; creating is for a key credential (the stand-in,
        a fresh dev account).
        """
        database = await self._db()
        proxy = database.get_container_client(spec.name)
        try:
            with _mapped(f"container {spec.name}"):
                await proxy.read()
            return proxy
        except DocumentNotFound:
            pass
        assert self._client is not None
        with _mapped(f"container {spec.name}"):
            await self._client.create_database_if_not_exists(self._database_name)
            options: dict[str, Any] = {}
            if spec.default_ttl is not None:
                options["default_ttl"] = spec.default_ttl
            if spec.spatial_paths:
                options["indexing_policy"] = {
                    "indexingMode": "consistent",
                    "automatic": True,
                    "includedPaths": [{"path": "/*"}],
                    "excludedPaths": [{"path": '/"_etag"/?'}],
                    "spatialIndexes": [
                        {"path": f"/{path.replace('.', '/')}/*", "types": ["Point"]} for path in spec.spatial_paths
                    ],
                }
            created: ContainerProxy = await database.create_container_if_not_exists(
                id=spec.name, partition_key=PartitionKey(path="/" + spec.partition_key.replace(".", "/")), **options
            )
            return created

    async def read(self, container: str, id: str, partition_key: Any) -> Document:
        # Stand-in gap: @vercel/cosmosdb-server answers a read of a missing id with
        # 500; tools/cosmos-standin.js turns it into Cosmos' 404, not this adapter.
        proxy, _ = await self._container(container)
        with _mapped(f"{container}/{id}"):
            return _out(await proxy.read_item(item=id, partition_key=partition_key))

    async def read_if_changed(self, container: str, id: str, partition_key: Any, etag: str) -> Document | None:
        # If-None-Match: Cosmos answers 304 and no body, which the SDK returns as an empty dict (only
        # statuses from 400 raise). The stand-in ignores the header and sends the document: same ETag, None too.
        proxy, _ = await self._container(container)
        with _mapped(f"{container}/{id}"):
            item = await proxy.read_item(
                item=id, partition_key=partition_key, etag=etag, match_condition=MatchConditions.IfModified
            )
        if not item or item.get("_etag") == etag:
            return None
        return _out(item)

    async def create(self, container: str, doc: Document) -> Document:
        proxy, _ = await self._container(container)
        with _mapped(f"{container}/{doc.get('id')}"):
            return _out(await proxy.create_item(body=_in(doc)))

    async def replace(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        proxy, _ = await self._container(container)
        with _mapped(f"{container}/{doc.get('id')}"):
            return _out(await proxy.replace_item(item=doc["id"], body=_in(doc), **_condition(etag)))

    async def upsert(self, container: str, doc: Document, *, etag: str | None = None) -> Document:
        # Cosmos applies the ETag only to an existing document; a missing one is created.
        proxy, _ = await self._container(container)
        with _mapped(f"{container}/{doc.get('id')}"):
            return _out(await proxy.upsert_item(body=_in(doc), **_condition(etag)))

    async def delete(self, container: str, id: str, partition_key: Any, *, etag: str | None = None) -> None:
        proxy, _ = await self._container(container)
        with _mapped(f"{container}/{id}"):
            await proxy.delete_item(item=id, partition_key=partition_key, **_condition(etag))

    async def query(self, container: str, query: Query) -> Page:
        # Known risk, not visible on the stand-in (one partition range): the Python
        # SDK's continuation tokens for *cross-partition* ORDER BY queries have been
        # reported to fail on resume (Azure/azure-sdk-for-python#41434, #37230) once a
        # container spans several physical partitions. Ordered listings that page
        # should pass a partition_key where the use case allows.
        proxy, spec = await self._container(container)
        sql, parameters = build_sql(spec, query)
        scope = {} if query.partition_key is None else {"partition_key": query.partition_key}
        token = None if query.continuation is None else unwrap_token(query.continuation)
        with _mapped(f"query on {container}"):
            pages = proxy.query_items(sql, parameters=parameters, max_item_count=query.limit, **scope)
            # by_page is typed as a plain AsyncIterator; it is an AsyncPageIterator,
            # whose continuation_token is the SDK's cursor after the page just read.
            pager = cast(AsyncPageIterator[dict[str, Any]], pages.by_page(token))
            try:
                page = await pager.__anext__()
            except StopAsyncIteration:
                return Page([], None)
            except CosmosHttpResponseError as exc:
                # An envelope of ours around a token the service no longer accepts.
                if token is not None and exc.status_code == 400:
                    raise InvalidContinuation("invalid continuation token") from exc
                raise
            if query.fields is None:
                items = [_out(item) async for item in page]
            else:
                paths = projection(spec, query.fields)[1]
                items = [nest(item, paths) async for item in page]
        return Page(items, wrap_token(pager.continuation_token))

    async def check(self) -> None:
        # A trivial query on the account's database feed: proves the endpoint answers
        # and the key or token is accepted, even before the database is created.
        await self._db()
        assert self._client is not None
        with _mapped("database account"):
            found = self._client.query_databases(
                "SELECT VALUE r.id FROM root r WHERE r.id = @id",
                parameters=[{"name": "@id", "value": self._database_name}],
            )
            [_ async for _ in found]

    async def close(self) -> None:
        if self._client is not None:
            client, self._client, self._database = self._client, None, None
            self._proxies.clear()
            await client.close()
