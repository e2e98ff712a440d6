"""The Bicep in infra/bicep agrees with the code: containers, settings, bus limits, hub, roles, tags.

There is no Bicep CLI here, so these checks read the syntax tree that pycep-parser builds (syntax only:
no type checking, no evaluation). pycep keeps only the last child resource nested inside a parent,
which is why every child resource is declared at top level with ``parent:``. pycep writes a reference
to a parameter or variable as its bare name (a string), so ``"maxDeliveryCount"`` below means "the
parameter maxDeliveryCount".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from pycep import BicepParser

from shared.config import Settings, project_root
from shared.containers import CONTAINERS
from shared.telemetry import CORRELATION_ID, Metric

BICEP = project_root() / "infra" / "bicep"
MODULES = (
    "identity",
    "monitoring",
    "storage",
    "cosmos",
    "servicebus",
    "keyvault",
    "webpubsub",
    "webpubsub-hub",
    "communication",
    "staticwebapp",
    "functionapp",
    "workbook",
    "alerts",
)

# Settings the deployed app must NOT be given, each with the reason.
NOT_IN_AZURE = {
    "SQLITE_PATH": "embedded DocumentStore only; Azure runs STORAGE_BACKEND=cosmos",
    "LOCAL_BUS_PATH": "embedded local bus only; Azure runs BUS_BACKEND=servicebus",
    "COSMOS_KEY": "key auth; Cosmos has disableLocalAuth and the app uses its managed identity",
    "SERVICEBUS_CONNECTION_STRING": "key auth; the app uses ServiceBusConnection__fullyQualifiedNamespace",
    "COSMOS_VERIFY_TLS": "only for the local Cosmos stand-in's self-signed certificate; the default (true) is right",
    "PAYMENT_SIMULATOR_PATH": "the local payment simulator only; Azure runs PAYMENT_BACKEND=stripe",
    "PAYMENT_SIMULATOR_WEBHOOK_SECRET": "signs the local simulator's webhook events only",
    "BLOB_ROOT": "the folder BlobStore only; Azure runs BLOB_BACKEND=azure",
    "AZURE_STORAGE_CONNECTION_STRING": "key auth (Azurite, tooling); the app uses AZURE_STORAGE_ACCOUNT_URL, identity",
    "MAIL_OUTBOX_DIR": "the outbox Mailer's folder only; it delivers nothing (Azure should run MAIL_BACKEND=acs)",
    "SMTP_HOST": "Azure sends through Communication Services (MAIL_BACKEND=acs), not SMTP",
    "SMTP_PORT": "Azure sends through Communication Services (MAIL_BACKEND=acs), not SMTP",
    "SMTP_USERNAME": "Azure sends through Communication Services (MAIL_BACKEND=acs), not SMTP",
    "SMTP_PASSWORD": "Azure sends through Communication Services (MAIL_BACKEND=acs), not SMTP",
    "SMTP_SECURITY": "Azure sends through Communication Services (MAIL_BACKEND=acs), not SMTP",
    "DEMO_STATIONS_PER_PROVIDER": "sizes the demo network, which only development seeds (DEMO_DATA)",
}
SECRET_SETTINGS = (
    *("JWT_SECRET", "WEBPUBSUB_ACCESS_KEYS", "ADMIN_PASSWORD"),
    *("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
)
# App settings that the platform (Functions host, Python worker, Azure SDKs) reads, not shared/config.py;
# functionapp.bicep keeps them in its hostSettings. Each with the reason it is deployed.
HOST_ONLY_SETTINGS = {
    "AzureWebJobsStorage__accountName": "the Functions host's own storage (timer leases, keys), reached by identity",
    "AzureWebJobsStorage__credential": "identity-based AzureWebJobsStorage: the managed identity, no key",
    "AzureWebJobsStorage__clientId": "which managed identity: the user-assigned one",
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "where the host and the worker's Azure Monitor distro send telemetry",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Entra auth for that telemetry (App Insights has local auth off)",
    "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY": (
        "the Python worker installs Azure Monitor's OpenTelemetry distro and parents each invocation's spans on "
        "the host's (host.json telemetryMode OpenTelemetry); shared/telemetry.py records into it"
    ),
    "AZURE_CLIENT_ID": "DefaultAzureCredential (Cosmos, Service Bus clients) picks the user-assigned identity by it",
}

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
FORBIDDEN_ROLES = {
    OWNER: "Owner",
    CONTRIBUTOR: "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "090c5cfd-751d-490a-894a-3ce6f1109419": "Azure Service Bus Data Owner",
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": "Key Vault Administrator",
    "5bd9cd88-fe45-4216-938b-f97437e15450": "DocumentDB Account Contributor",
}
SB_SENDER = "69a216fc-b8fb-44d8-bc22-1f3c2c88dd39"
SB_RECEIVER = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"
COSMOS_DATA_CONTRIBUTOR = "00000000-0000-0000-0000-000000000002"
# "Web PubSub Service Owner": despite the name a data-plane role (full access to the service's REST API:
# send to and close connections), not the Azure "Owner" above, and with no control-plane rights.
WEBPUBSUB_SERVICE_OWNER = "12cf5a90-567b-43ae-8102-96cf46c7d9b4"
EMAIL_SERVICE_OWNER = "09976791-48a7-449e-bb21-39d1a415f350"  # Communication and Email Service Owner
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


# ---- reading the syntax tree -------------------------------------------------------------------


def parse_text(text: str) -> dict[str, Any]:
    # pycep's BicepJson TypedDict is read here as plain JSON
    return dict(BicepParser().parse(text=text))


@cache
def parsed(name: str) -> dict[str, Any]:
    path = BICEP / "main.bicep" if name == "main" else BICEP / "modules" / f"{name}.bicep"
    return dict(BicepParser().parse(file_path=path))


def body(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource's own properties, under a loop (``[for ...]``) or a condition (``if``) if any."""
    config: dict[str, Any] = resource["config"]
    if "loop_type" in config or "condition" in config:
        return body({"config": config["config"]})
    return config


def resources_of_type(tree: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in tree.get("resources", {}).items() if r["type"].lower() == type_.lower()}


def only(tree: dict[str, Any], type_: str) -> dict[str, Any]:
    found = resources_of_type(tree, type_)
    assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
    return next(iter(found.values()))


def literal(node: Any) -> Any:
    """A literal's value (pycep keeps -1 as a unary-minus operator)."""
    if isinstance(node, dict) and "operator" in node and node["operator"]["type"] == "minus":
        return -literal(node["operator"]["operands"]["integer_value"])
    if isinstance(node, dict):
        return {k: literal(v) for k, v in node.items()}
    if isinstance(node, list):
        return [literal(v) for v in node]
    return node


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def object_keys(node: Any, variables: dict[str, Any]) -> dict[str, Any]:
    """Keys of an object expression: a literal, a variable, union(...) or a ``c ? {...} : {...}``."""
    if isinstance(node, str) and node in variables:
        return object_keys(variables[node]["value"], variables)
    if isinstance(node, dict) and "function" in node and node["function"]["type"] == "union":
        out: dict[str, Any] = {}
        for arg in node["function"]["parameters"].values():
            out |= object_keys(arg, variables)
        return out
    if isinstance(node, dict) and "operator" in node and node["operator"]["type"] == "conditional":
        operands = node["operator"]["operands"]
        return object_keys(operands["true_value"], variables) | object_keys(operands["false_value"], variables)
    if isinstance(node, dict) and "function" not in node and "operator" not in node:
        return node
    raise AssertionError(f"cannot read the keys of {node!r}")


def app_settings(tree: dict[str, Any]) -> dict[str, Any]:
    configs = [
        r for r in resources_of_type(tree, "Microsoft.Web/sites/config").values() if body(r)["name"] == "appsettings"
    ]
    assert len(configs) == 1, "expected one Microsoft.Web/sites/config 'appsettings'"
    return object_keys(body(configs[0])["properties"], tree.get("variables", {}))


# Child resource types that accept tags too; other children (topics, hubs, blob containers, sites/config,
# role assignments) have none in their ARM schema.
TAGGABLE_CHILDREN = {
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases",
    "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers",
    "Microsoft.KeyVault/vaults/secrets",
}


def untagged_resources(tree: dict[str, Any]) -> list[str]:
    """Taggable resources (tracked top-level ones and TAGGABLE_CHILDREN) the template creates without tags."""
    missing = []
    for name, resource in tree.get("resources", {}).items():
        type_ = resource["type"]
        tracked = len(type_.split("/")) == 2 and type_ != "Microsoft.Authorization/roleAssignments"
        if resource["existing"] or not (tracked or type_ in TAGGABLE_CHILDREN):
            continue
        if not body(resource).get("tags"):
            missing.append(name)
    return missing


def forbidden_roles(tree: dict[str, Any]) -> set[str]:
    return {FORBIDDEN_ROLES[g.lower()] for s in strings(tree) for g in GUID.findall(s) if g.lower() in FORBIDDEN_ROLES}


def field_default(name: str) -> Any:
    return Settings.model_fields[name].default


def alias(name: str) -> str:
    value = Settings.model_fields[name].alias
    assert value
    return value


# ---- the files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["main", *MODULES])
def test_bicep_file_parses(name):
    tree = parsed(name)
    assert tree.get("resources") or tree.get("modules")


def test_main_targets_the_subscription_and_uses_every_module():
    tree = parsed("main")
    assert tree["globals"]["scope"]["value"] == "subscription"
    used = {m["detail"]["path"] for m in tree["modules"].values()}
    assert used == {f"modules/{name}.bicep" for name in MODULES}
    assert all(m["config"]["scope"] == "rg" for m in tree["modules"].values())


def test_abbreviations_cover_every_lookup_in_main():
    abbrs = json.loads((BICEP / "abbreviations.json").read_text(encoding="utf-8"))
    used = {m for s in strings(parsed("main")) for m in re.findall(r"abbrs\.(\w+)", s)}
    assert used and used <= abbrs.keys()


@pytest.mark.parametrize("name", ["main.parameters.json", "main.dev.parameters.json", "main.prod.parameters.json"])
def test_parameter_files_name_only_declared_parameters(name):
    parameters = json.loads((BICEP / name).read_text(encoding="utf-8"))["parameters"]
    declared = parsed("main")["parameters"]
    assert parameters.keys() <= declared.keys()
    required = {p for p, spec in declared.items() if spec["default"] is None and not _is_secure(spec)}
    assert required <= parameters.keys()


def _is_secure(spec: dict[str, Any]) -> bool:
    return any(d["type"] == "secure" for d in spec["decorators"])


# ---- Cosmos DB ---------------------------------------------------------------------------------


def _bicep_containers() -> dict[str, dict[str, Any]]:
    declared = literal(parsed("cosmos")["variables"]["containers"]["value"])
    names = [c["name"] for c in declared]
    assert len(names) == len(set(names)), "a container is declared twice"
    return {c["name"]: c for c in declared}


def test_every_container_has_its_partition_key_and_ttl():
    declared = _bicep_containers()
    assert declared.keys() == CONTAINERS.keys()
    for name, spec in CONTAINERS.items():
        assert declared[name]["partitionKey"] == spec.partition_key, name
        assert declared[name].get("defaultTtl") == spec.default_ttl, name


def test_container_resource_is_built_from_the_list():
    containers = only(parsed("cosmos"), "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    assert containers["config"]["loop_type"]["detail"] == {"item_name": "c", "array_name": "containers"}
    text = json.dumps(body(containers))
    assert '"/${c.partitionKey}"' in text
    assert '"item_to_find": "defaultTtl"' in text and '"defaultTtl": {"operator"' in text
    assert '"operand_2": "spatialIndexes"' in text


def test_meter_samples_index_only_the_fields_the_code_queries():
    entry = _bicep_containers()["meter_samples"]
    fields = CONTAINERS["meter_samples"].indexed_fields
    assert entry["includedPaths"] == [{"path": f"/{field}/?"} for field in fields]
    assert entry["excludedPaths"] == [{"path": "/*"}]
    text = json.dumps(body(only(parsed("cosmos"), "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")))
    assert '"operand_2": "includedPaths"' in text and '"operand_2": "excludedPaths"' in text


def test_spatial_index_is_on_stations_location():
    for name, entry in _bicep_containers().items():
        paths = [(s["path"], s["types"]) for s in entry.get("spatialIndexes", [])]
        expected = [(f"/{p.replace('.', '/')}/*", ["Point"]) for p in CONTAINERS[name].spatial_paths]
        assert paths == expected, name
    assert CONTAINERS["stations"].spatial_paths == ("location",)


def test_cosmos_is_keyless_serverless_by_default_and_the_app_is_data_contributor():
    tree = parsed("cosmos")
    account = body(only(tree, "Microsoft.DocumentDB/databaseAccounts"))
    assert account["properties"]["disableLocalAuth"] is True
    assert tree["parameters"]["capacityMode"]["default"] == "serverless"
    assert tree["parameters"]["databaseName"]["default"] == field_default("cosmos_database")
    assignment = body(only(tree, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"))
    assert tree["variables"]["dataContributorRoleId"]["value"] == COSMOS_DATA_CONTRIBUTOR
    assert "dataContributorRoleId" in assignment["properties"]["roleDefinitionId"]


# ---- app settings ------------------------------------------------------------------------------


def test_every_setting_the_code_reads_is_an_app_setting():
    aliases = {alias(name) for name in Settings.model_fields}
    assert NOT_IN_AZURE.keys() <= aliases, "NOT_IN_AZURE names a setting the code no longer reads"
    settings = app_settings(parsed("functionapp"))
    missing = sorted(aliases - NOT_IN_AZURE.keys() - settings.keys())
    assert not missing, f"app settings missing from functionapp.bicep: {missing}"


def test_no_key_based_or_local_only_setting_is_deployed():
    assert not app_settings(parsed("functionapp")).keys() & NOT_IN_AZURE.keys()


def test_secrets_are_key_vault_references():
    settings = app_settings(parsed("functionapp"))
    for name in SECRET_SETTINGS:
        assert settings[name]["function"]["type"] == "kvRef", name
    assert parsed("functionapp")["functions"]["kvRef"]["expression"].startswith("@Microsoft.KeyVault(VaultName=")
    for tree in (parsed("main"), parsed("keyvault")):
        for name in ("jwtSecret", "adminPassword", "stripeSecretKey", "stripeWebhookSecret"):
            assert _is_secure(tree["parameters"][name]), name


def test_connections_are_identity_based():
    settings = app_settings(parsed("functionapp"))
    for connection in ("ServiceBusConnection", "AzureWebJobsStorage"):
        assert settings[f"{connection}__credential"] == "managedidentity"
        assert settings[f"{connection}__clientId"] == "identityClientId"
    assert settings[alias("servicebus_namespace")] == "serviceBusFullyQualifiedNamespace"
    assert settings["AZURE_CLIENT_ID"] == "identityClientId"
    assert settings[alias("storage_backend")] == "cosmos" and settings[alias("bus_backend")] == "servicebus"


def test_function_app_is_flex_consumption_python_311():
    tree = parsed("functionapp")
    assert body(only(tree, "Microsoft.Web/serverfarms"))["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    site = body(only(tree, "Microsoft.Web/sites"))
    assert site["properties"]["functionAppConfig"]["runtime"] == {"name": "python", "version": "3.11"}
    assert site["identity"]["type"] == "UserAssigned"
    assert site["properties"]["keyVaultReferenceIdentity"] == "identityId"


# ---- Service Bus -------------------------------------------------------------------------------


def test_max_delivery_count_default_matches_the_app():
    expected = field_default("bus_max_delivery_count")
    assert parsed("main")["parameters"]["busMaxDeliveryCount"]["default"] == expected
    assert parsed("servicebus")["parameters"]["maxDeliveryCount"]["default"] == expected
    modules = parsed("main")["modules"]
    assert modules["serviceBus"]["config"]["params"]["maxDeliveryCount"] == "busMaxDeliveryCount"
    assert modules["functionApp"]["config"]["params"]["maxDeliveryCount"] == "busMaxDeliveryCount"
    settings = app_settings(parsed("functionapp"))
    converted = settings[alias("bus_max_delivery_count")]["function"]
    assert converted == {"type": "string", "parameters": {"value_to_convert": "maxDeliveryCount"}}


def test_every_receiving_entity_dead_letters_after_max_delivery_count():
    tree = parsed("servicebus")
    receivers = {
        **resources_of_type(tree, "Microsoft.ServiceBus/namespaces/topics/subscriptions"),
        **resources_of_type(tree, "Microsoft.ServiceBus/namespaces/queues"),
    }
    assert len(receivers) == 3
    for name, resource in receivers.items():
        properties = object_keys(body(resource)["properties"], tree["variables"])
        assert properties["maxDeliveryCount"] == "maxDeliveryCount", name
        assert properties["deadLetteringOnMessageExpiration"] is True, name


def subscriptions_of_the_app() -> dict[str, list[str]]:
    """The subscription names the app's Service Bus topic triggers use, per topic setting (the one place)."""
    import function_app
    from local_host.discovery import functions_of

    found: dict[str, set[str]] = {"SessionEventsTopic": set(), "BillingEventsTopic": set()}
    for f in functions_of(function_app.app):
        trigger = f.get_trigger()
        subscription = getattr(trigger, "subscription_name", None)
        if subscription:
            found[str(trigger.topic_name).strip("%")].add(subscription)
    return {topic: sorted(names) for topic, names in found.items()}


def test_topics_queue_and_subscriptions_match_the_app():
    tree = parsed("servicebus")
    parameters = tree["parameters"]
    assert parameters["sessionEventsTopicName"]["default"] == field_default("session_events_topic")
    assert parameters["billingEventsTopicName"]["default"] == field_default("billing_events_topic")
    assert parameters["notificationsQueueName"]["default"] == field_default("notifications_queue")
    from shared.services.notification_dead_letters import BILLING_EVENTS_CONSUMERS, SESSION_EVENTS_CONSUMERS

    wanted = subscriptions_of_the_app()
    assert parameters["sessionEventsConsumers"]["default"] == wanted["SessionEventsTopic"]
    assert parameters["billingEventsConsumers"]["default"] == wanted["BillingEventsTopic"]
    # the admins' dead-letter list reads every subscription's dead-letter queue
    assert list(SESSION_EVENTS_CONSUMERS) == wanted["SessionEventsTopic"]
    assert list(BILLING_EVENTS_CONSUMERS) == wanted["BillingEventsTopic"]
    parents = {
        body(r)["parent"]
        for r in resources_of_type(tree, "Microsoft.ServiceBus/namespaces/topics/subscriptions").values()
    }
    assert parents == set(resources_of_type(tree, "Microsoft.ServiceBus/namespaces/topics"))
    assert body(only(tree, "Microsoft.ServiceBus/namespaces"))["properties"]["disableLocalAuth"] is True


def test_app_may_send_and_receive_on_the_bus():
    assert {SB_SENDER, SB_RECEIVER} <= set(strings(parsed("servicebus")))


# ---- roles and tags ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["main", *MODULES])
def test_no_owner_or_contributor_role(name):
    assert not forbidden_roles(parsed(name))


@pytest.mark.parametrize("name", MODULES)
def test_role_assignments_are_named_after_scope_principal_and_role(name):
    tree = parsed(name)
    assignments = {
        **resources_of_type(tree, "Microsoft.Authorization/roleAssignments"),
        **resources_of_type(tree, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments"),
    }
    for key, resource in assignments.items():
        config = body(resource)
        scope = config.get("scope") or config["parent"]
        guid = config["name"]["function"]
        assert guid["type"] == "guid", key
        args = list(guid["parameters"].values())
        assert args[0] == {
            "operator": {"type": "property_accessor", "operands": {"operand_1": scope, "operand_2": "id"}}
        }
        assert args[1] == "principalId", key


@pytest.mark.parametrize("name", ["main", *MODULES])
def test_every_resource_has_tags(name):
    assert not untagged_resources(parsed(name))


def test_every_module_that_takes_tags_gets_them():
    for key, module in parsed("main")["modules"].items():
        module_name = module["detail"]["path"].removeprefix("modules/").removesuffix(".bicep")
        if "tags" in parsed(module_name)["parameters"]:
            assert module["config"]["params"]["tags"] == "tags", key


# ---- Web PubSub --------------------------------------------------------------------------------


def test_webpubsub_hub_name_matches_the_app():
    expected = field_default("webpubsub_hub")
    assert parsed("main")["parameters"]["webPubSubHubName"]["default"] == expected
    assert parsed("webpubsub-hub")["parameters"]["hubName"]["default"] == expected
    modules = parsed("main")["modules"]
    assert modules["webPubSubHub"]["config"]["params"]["hubName"] == "webPubSubHubName"
    assert modules["functionApp"]["config"]["params"]["webPubSubHubName"] == "webPubSubHubName"
    assert body(only(parsed("webpubsub-hub"), "Microsoft.SignalRService/webPubSub/hubs"))["name"] == "hubName"


def test_webpubsub_events_go_to_the_charger_function():
    host = json.loads((project_root() / "host.json").read_text(encoding="utf-8"))
    route_prefix = host["extensions"]["http"]["routePrefix"]
    function_source = project_root() / "functions" / "chargers" / "webpubsub.py"
    assert '"ocpp/webpubsub"' in function_source.read_text(encoding="utf-8")
    hub = body(only(parsed("webpubsub-hub"), "Microsoft.SignalRService/webPubSub/hubs"))
    (handler,) = hub["properties"]["eventHandlers"]
    assert handler["urlTemplate"] == f"https://${{functionHostName}}/{route_prefix}/ocpp/webpubsub"
    assert handler["systemEvents"] == ["connect", "connected", "disconnected"]
    assert handler["userEventPattern"] == "*"


def test_the_app_may_send_to_charger_connections_on_web_pubsub_only():
    # ChargerLink's send_to_connection with an Entra token needs a data-plane role. "Web PubSub Service
    # Reader" only reads, so "Web PubSub Service Owner" is the least privilege that can send to a
    # connection; it is not the Azure Owner role that FORBIDDEN_ROLES keeps out.
    assert WEBPUBSUB_SERVICE_OWNER not in FORBIDDEN_ROLES
    tree = parsed("webpubsub")
    (assignment,) = resources_of_type(tree, "Microsoft.Authorization/roleAssignments").values()
    config = body(assignment)
    (resource,) = resources_of_type(tree, "Microsoft.SignalRService/webPubSub")
    assert config["scope"] == resource  # the Web PubSub resource itself, not the group or subscription
    assert tree["variables"]["serviceOwnerRoleId"]["value"] == WEBPUBSUB_SERVICE_OWNER
    role = config["properties"]["roleDefinitionId"]["function"]
    assert role["type"] == "subscription_resource_id"
    assert role["parameters"]["resource_type"] == "Microsoft.Authorization/roleDefinitions"
    assert role["parameters"]["resource_name_1"] == "serviceOwnerRoleId"
    assert config["properties"]["principalId"] == "principalId"
    assert config["properties"]["principalType"] == "ServicePrincipal"
    params = {name: m["config"]["params"] for name, m in parsed("main")["modules"].items()}
    assert params["webPubSub"]["principalId"] == params["cosmos"]["principalId"]  # the app's identity
    elsewhere = [m for m in ("main", *MODULES) if m != "webpubsub" and WEBPUBSUB_SERVICE_OWNER in strings(parsed(m))]
    assert elsewhere == []


# ---- the checkers themselves catch what they are for -------------------------------------------

BAD_MODULE = f"""
param principalId string
resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {{
  name: 'st'
  location: 'westeurope'
}}
resource owner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{
  name: guid(sa.id, principalId, '{OWNER}')
  scope: sa
  properties: {{
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{OWNER}')
  }}
}}
resource site 'Microsoft.Web/sites@2024-04-01' existing = {{
  name: 'func'
}}
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {{
  parent: site
  name: 'appsettings'
  properties: union({{ APP_ENV: 'production' }}, {{ COSMOS_KEY: 'key' }})
}}
"""


def test_checkers_flag_an_owner_role_an_untagged_resource_and_missing_settings():
    tree = parse_text(BAD_MODULE)
    assert forbidden_roles(tree) == {"Owner"}
    assert untagged_resources(tree) == ["sa"]
    assert app_settings(tree).keys() == {"APP_ENV", "COSMOS_KEY"}


def test_a_syntax_error_does_not_parse():
    with pytest.raises(Exception):  # noqa: B017 - pycep surfaces lark's own error types
        parse_text("resource x 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: \n")


# ---- app settings only the platform reads ------------------------------------------------------


def test_host_only_settings_are_the_platforms_and_each_has_a_reason():
    host = parsed("functionapp")["variables"]["hostSettings"]["value"]
    assert host.keys() == HOST_ONLY_SETTINGS.keys()
    assert all(reason.strip() for reason in HOST_ONLY_SETTINGS.values())
    aliases = {alias(name) for name in Settings.model_fields}
    assert not host.keys() & aliases, "a setting the code reads belongs in appSettings"
    assert host["PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"] == "true"
    with (project_root() / "host.json").open(encoding="utf-8") as f:
        assert json.load(f)["telemetryMode"] == "OpenTelemetry"  # the worker's setting pairs with the host's mode


# ---- the admins' workbook and alert rules ------------------------------------------------------

TELEMETRY_NAME = re.compile(r"wattsup\.[a-z_.]*[a-z_]")
PLACEHOLDER = re.compile(r"__[A-Z_]+__")


def _workbook() -> dict[str, Any]:
    with (BICEP / "modules" / "workbook.json").open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


def _queries(workbook: dict[str, Any]) -> list[str]:
    return [item["content"]["query"] for item in workbook["items"] if item["type"] == 3]


def _telemetry_names(texts: Any) -> set[str]:
    return {found for text in strings(texts) for found in TELEMETRY_NAME.findall(text)}


def test_workbook_queries_read_every_metric_the_code_emits_and_no_other():
    workbook = _workbook()
    emitted = {m.value for m in Metric}
    assert _telemetry_names(_queries(workbook)) - {CORRELATION_ID} == emitted
    unknown = _telemetry_names(workbook) - emitted - {CORRELATION_ID}
    assert not unknown, f"the workbook names telemetry shared/telemetry.py does not emit: {sorted(unknown)}"


def test_workbook_has_the_tiles_admins_need():
    workbook = _workbook()
    queries = _queries(workbook)
    assert any(q.startswith("requests") and "success == false" in q for q in queries)  # function errors
    assert any(q.startswith("requests") and "percentile(duration" in q for q in queries)  # latency
    assert any(f'"{CORRELATION_ID}"' in q and "{CorrelationId}" in q for q in queries)  # one caller's operation
    (dead_letters,) = [item["content"] for item in workbook["items"] if item["type"] == 10]
    assert [m["metric"] for m in dead_letters["metrics"]] == ["microsoft.servicebus/namespaces--DeadletteredMessages"]
    assert dead_letters["resourceIds"] == ["__SERVICE_BUS_NAMESPACE_ID__"]
    assert workbook["fallbackResourceIds"] == ["__APPLICATION_INSIGHTS_ID__"]
    names = [item["name"] for item in workbook["items"]]
    assert len(names) == len(set(names))


def test_workbook_resource_loads_the_json_and_fills_every_placeholder():
    tree = parsed("workbook")
    placeholders = set(PLACEHOLDER.findall((BICEP / "modules" / "workbook.json").read_text(encoding="utf-8")))
    replaced: dict[str, str] = {}
    node = tree["variables"]["serializedData"]["value"]
    while node["function"]["type"] == "replace":
        parameters = node["function"]["parameters"]
        replaced[parameters["old_string"]] = parameters["new_string"]
        node = parameters["original_string"]
    assert node["function"] == {
        "type": "load_text_content",
        "parameters": {"file_path": "workbook.json", "encoding": None},
    }
    assert replaced == {
        "__APPLICATION_INSIGHTS_ID__": "applicationInsightsId",
        "__SERVICE_BUS_NAMESPACE_ID__": "serviceBusNamespaceId",
    }
    assert placeholders == replaced.keys()
    workbook = body(only(tree, "Microsoft.Insights/workbooks"))
    assert workbook["kind"] == "shared"
    assert workbook["properties"]["serializedData"] == "serializedData"
    assert workbook["properties"]["sourceId"] == "applicationInsightsId"
    assert workbook["name"]["function"]["type"] == "guid"  # a workbook's name must be a GUID
    assert "nameSeed" in workbook["name"]["function"]["parameters"].values()


def _module_output(module: str, output: str) -> dict[str, Any]:
    inner = {"operator": {"type": "property_accessor", "operands": {"operand_1": "outputs", "operand_2": output}}}
    return {"operator": {"type": "property_accessor", "operands": {"operand_1": module, "operand_2": inner}}}


def test_workbook_and_alerts_are_named_from_abbreviations_and_watch_the_right_resources():
    modules = parsed("main")["modules"]
    workbook, alerts = modules["workbook"]["config"]["params"], modules["alerts"]["config"]["params"]
    assert workbook["nameSeed"] == "${abbrs.insightsWorkbooks}${resourceToken}"
    expected_prefix = {
        "actionGroup": "insightsActionGroups",
        "deadLetters": "insightsMetricAlerts",
        "paymentFailures": "insightsScheduledQueryRules",
        "functionErrors": "insightsScheduledQueryRules",
        "chargersOffline": "insightsScheduledQueryRules",
    }
    assert alerts["names"].keys() == expected_prefix.keys()
    for key, abbreviation in expected_prefix.items():
        assert alerts["names"][key].startswith(f"${{abbrs.{abbreviation}}}"), key
        assert alerts["names"][key].endswith("${resourceToken}"), key
    for params in (workbook, alerts):
        assert params["applicationInsightsId"] == _module_output("monitoring", "applicationInsightsId")
        assert params["serviceBusNamespaceId"] == _module_output("serviceBus", "id")
    assert alerts["alertEmailAddress"] == "alertEmailAddress"
    assert parsed("main")["parameters"]["alertEmailAddress"]["default"] == ""


def test_dead_letter_alert_is_the_service_bus_metric_above_zero_on_the_namespace():
    tree = parsed("alerts")
    alert = body(only(tree, "Microsoft.Insights/metricAlerts"))
    assert alert["name"] == {
        "operator": {"type": "property_accessor", "operands": {"operand_1": "names", "operand_2": "deadLetters"}}
    }
    assert alert["properties"]["scopes"] == ["serviceBusNamespaceId"]
    (criterion,) = alert["properties"]["criteria"]["allOf"]
    assert (criterion["metricNamespace"], criterion["metricName"]) == (
        "Microsoft.ServiceBus/namespaces",
        "DeadletteredMessages",
    )
    assert (criterion["operator"], criterion["threshold"]) == ("GreaterThan", 0)
    assert criterion["dimensions"] == [{"name": "EntityName", "operator": "Include", "values": ["*"]}]  # per entity


def test_log_alerts_cover_payments_function_errors_and_silent_chargers_with_known_metrics():
    tree = parsed("alerts")
    rules = {
        body(r)["name"]["operator"]["operands"]["operand_2"]: body(r)
        for r in resources_of_type(tree, "Microsoft.Insights/scheduledQueryRules").values()
    }
    assert rules.keys() == {"paymentFailures", "functionErrors", "chargersOffline"}
    queries = {}
    for key, rule in rules.items():
        assert rule["kind"] == "LogAlert", key
        assert rule["properties"]["scopes"] == ["applicationInsightsId"], key
        assert rule["properties"]["actions"] == "logAlertActions", key
        (criterion,) = rule["properties"]["criteria"]["allOf"]
        queries[key] = criterion["query"]
    assert Metric.PAYMENTS_FAILED.value in queries["paymentFailures"]
    assert queries["functionErrors"].startswith("requests")
    assert f'"{Metric.OCPP_FRAMES.value}"' in queries["chargersOffline"]
    assert "${chargerSilenceMinutes}m" in queries["chargersOffline"]
    unknown = _telemetry_names(tree) - {m.value for m in Metric}
    assert not unknown, f"alert queries name metrics shared/telemetry.py does not emit: {sorted(unknown)}"


def test_alerts_notify_an_action_group_only_when_an_email_is_given():
    tree = parsed("alerts")
    assert tree["variables"]["notify"]["value"] == {
        "operator": {
            "type": "not",
            "operands": {
                "bool_value": {"function": {"type": "empty", "parameters": {"item_to_test": "alertEmailAddress"}}}
            },
        }
    }
    assert tree["parameters"]["alertEmailAddress"]["default"] == ""
    (group,) = resources_of_type(tree, "Microsoft.Insights/actionGroups").values()
    assert group["config"]["condition"] == "notify"
    (receiver,) = body(group)["properties"]["emailReceivers"]
    assert receiver["emailAddress"] == "alertEmailAddress"
    conditional = {"condition": "notify", "true_value": [{"actionGroupId": "actionGroupId"}], "false_value": []}
    metric_alert = body(only(tree, "Microsoft.Insights/metricAlerts"))
    assert metric_alert["properties"]["actions"] == {"operator": {"type": "conditional", "operands": conditional}}
    log_actions = tree["variables"]["logAlertActions"]["value"]["actionGroups"]["operator"]["operands"]
    assert log_actions == {"condition": "notify", "true_value": ["actionGroupId"], "false_value": []}
    assert not resources_of_type(tree, "Microsoft.Authorization/roleAssignments")  # alerts need no role


def test_disabled_functions_are_functions_of_the_app():
    import function_app
    from local_host.discovery import functions_of

    names = {f.get_function_name() for f in functions_of(function_app.app)}  # get_functions() works once per app
    keys = [key.strip("'") for key in app_settings(parsed("functionapp"))]  # quoted in Bicep: it has dots
    disabled = {key.split(".")[1] for key in keys if key.startswith("AzureWebJobs.") and key.endswith(".Disabled")}
    assert disabled == {"payment_simulator_webhooks"}  # only the local simulator's delivery is off in Azure
    assert disabled <= names


def test_the_app_sends_email_through_communication_services_with_its_identity_only():
    assert EMAIL_SERVICE_OWNER not in FORBIDDEN_ROLES
    tree = parsed("communication")
    (assignment,) = resources_of_type(tree, "Microsoft.Authorization/roleAssignments").values()
    config = body(assignment)
    (resource,) = resources_of_type(tree, "Microsoft.Communication/communicationServices")
    assert config["scope"] == resource  # that resource only
    assert tree["variables"]["emailSenderRoleId"]["value"] == EMAIL_SERVICE_OWNER
    (acs,) = resources_of_type(tree, "Microsoft.Communication/communicationServices").values()
    properties = body(acs)["properties"]
    assert properties["disableLocalAuth"] is True  # no connection string can send
    assert properties["linkedDomains"]
    (domain,) = resources_of_type(tree, "Microsoft.Communication/emailServices/domains").values()
    assert body(domain)["properties"]["domainManagement"] == "AzureManaged"
    params = {name: m["config"]["params"] for name, m in parsed("main")["modules"].items()}
    assert params["communication"]["principalId"] == params["cosmos"]["principalId"]  # the app's identity


def test_the_web_app_is_a_static_web_app_the_api_allows_by_cors():
    tree = parsed("staticwebapp")
    (site,) = resources_of_type(tree, "Microsoft.Web/staticSites").values()
    assert body(site)["sku"]["name"] == "skuName"
    main = parsed("main")
    params = {name: m["config"]["params"] for name, m in main["modules"].items()}
    assert "staticWebApp" in str(params["functionApp"]["corsAllowedOrigins"])
    outputs = set(main["outputs"])
    assert {"WEB_URI", "AZURE_COMMUNICATION_ENDPOINT", "MAIL_SENDER_ADDRESS"} <= outputs
