// The Function App on Flex Consumption (Python 3.11) with a user-assigned identity. App settings are
// every name shared/config.py reads (tests/infra/test_bicep.py checks it): secrets as Key Vault
// references, connections identity-based (Name__fullyQualifiedNamespace, __credential, __clientId).
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
param invoicesContainerName string
param deploymentContainerName string
param applicationInsightsConnectionString string
param keyVaultName string
param keyVaultSecretNames object
param hasAdminPassword bool
param cosmosEndpoint string
param cosmosDatabaseName string
param serviceBusFullyQualifiedNamespace string
param sessionEventsTopicName string
param billingEventsTopicName string
param notificationsQueueName string
param maxDeliveryCount int
param webPubSubHostName string
param webPubSubHubName string
@description('Communication Services endpoint the app sends email through (communication.bicep)')
param communicationEndpoint string
@description('The sender address on the email domain (DoNotReply@<id>.azurecomm.net)')
param mailSenderAddress string
@description('Origins allowed to call the API from a browser: the web app (Static Web App)')
param corsAllowedOrigins array = []

@allowed([
  'test'
  'production'
])
param appEnvironment string = 'production'
param jwtIssuer string = ''
param jwtAudience string = 'wattsup-api'
param adminEmail string = ''
param demoData bool = false
@description('Stripe publishable key (pk_...): public, given to the web app for Stripe Elements')
param stripePublishableKey string = ''
@minValue(1)
param maximumInstanceCount int = 100
@allowed([
  2048
  4096
])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the deployment target of service `api` by this tag
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

func kvRef(vault string, secret string) string => '@Microsoft.KeyVault(VaultName=${vault};SecretName=${secret})'

var hostSettings = {
  // Flex Consumption sets FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION itself and refuses them here
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // the Python worker installs Azure Monitor's OpenTelemetry distro itself and parents each invocation's
  // spans on the host's (host.json telemetryMode: OpenTelemetry); shared/telemetry.py records into it
  PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY: 'true'
  // DefaultAzureCredential (Cosmos, Service Bus clients in shared/bootstrap.py) picks the user-assigned identity by this
  AZURE_CLIENT_ID: identityClientId
}

var appSettings = {
  APP_ENV: appEnvironment
  STORAGE_BACKEND: 'cosmos'
  COSMOS_ENDPOINT: cosmosEndpoint
  COSMOS_DATABASE: cosmosDatabaseName
  BUS_BACKEND: 'servicebus'
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  BUS_MAX_DELIVERY_COUNT: string(maxDeliveryCount)
  SessionEventsTopic: sessionEventsTopicName
  BillingEventsTopic: billingEventsTopicName
  NotificationsQueue: notificationsQueueName
  JWT_SECRET: kvRef(keyVaultName, keyVaultSecretNames.jwtSecret)
  JWT_ISSUER: empty(jwtIssuer) ? 'https://${app.properties.defaultHostName}' : jwtIssuer
  JWT_AUDIENCE: jwtAudience
  ACCESS_TOKEN_TTL_SECONDS: '900'
  REFRESH_TOKEN_TTL_DAYS: '30'
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '5'
  LOGIN_MAX_FAILURES_PER_CLIENT: '20'
  LOGIN_THROTTLE_WINDOW_SECONDS: '900'
  WEBPUBSUB_ACCESS_KEYS: kvRef(keyVaultName, keyVaultSecretNames.webPubSubAccessKeys)
  WEBPUBSUB_HUB: webPubSubHubName
  // abuse protection: Web PubSub's OPTIONS carries its own host name as WebHook-Request-Origin
  WEBPUBSUB_ALLOWED_ORIGINS: webPubSubHostName
  OCPP_HEARTBEAT_INTERVAL_SECONDS: '300'
  // ChargerLink sends commands through the service's REST API with the app's identity
  WEBPUBSUB_ENDPOINT: 'https://${webPubSubHostName}'
  OCPP_COMMAND_TIMEOUT_SECONDS: '30'
  SESSION_START_TIMEOUT_SECONDS: '120'
  SESSION_STOP_GRACE_SECONDS: '300'
  SESSION_TOTALS_INTERVAL_SECONDS: '60'
  DEMO_DATA: demoData ? 'true' : 'false'
  // payments: Stripe (the local payment simulator is refused outside development)
  PAYMENT_BACKEND: 'stripe'
  STRIPE_SECRET_KEY: kvRef(keyVaultName, keyVaultSecretNames.stripeSecretKey)
  STRIPE_WEBHOOK_SECRET: kvRef(keyVaultName, keyVaultSecretNames.stripeWebhookSecret)
  STRIPE_PUBLISHABLE_KEY: stripePublishableKey
  STRIPE_MAX_NETWORK_RETRIES: '2'
  STRIPE_TIMEOUT_SECONDS: '30'
  // the timer that hands the local payment simulator's events to the webhook handler has nothing to do here
  'AzureWebJobs.payment_simulator_webhooks.Disabled': 'true'
  // billing: holds (in the currency's major unit), collection retries, the platform's commission
  BILLING_HOLD_DEFAULT_MINUTES: '120'
  BILLING_HOLD_MIN_AMOUNT: '10'
  BILLING_HOLD_MAX_AMOUNT: '150'
  BILLING_HOLD_MAX_RAISED_AMOUNT: '300'
  BILLING_HOLD_STOP_RATIO: '0.95'
  BILLING_HOLD_RAISE_RATIO: '0.75'
  BILLING_MIN_ENERGY_WH: '200'
  BILLING_CAPTURE_MAX_ATTEMPTS: '6'
  BILLING_RETRY_BASE_SECONDS: '300'
  PLATFORM_COMMISSION_PERCENT: '10'
  // analytics: CO2 avoided per kWh charged; days the nightly run recomputes from the source documents
  ANALYTICS_CO2_KG_PER_KWH: '0.4'
  ANALYTICS_RECOMPUTE_DAYS: '3'
  // notifications (docs/notifications.md): email through Communication Services (communication.bicep) with
  // the app's identity, from the managed domain's sender address
  MAIL_BACKEND: 'acs'
  MAIL_SENDER: 'Watt\'s Up <${mailSenderAddress}>'
  ACS_EMAIL_ENDPOINT: communicationEndpoint
  APP_BASE_URL: 'https://${app.properties.defaultHostName}'
  NOTIFICATIONS_UNSUBSCRIBE_SECRET: ''
  NOTIFICATION_TTL_DAYS: '90'
  // raw meter samples' ttl; each stopped session keeps a downsampled history after them
  METER_SAMPLE_RETENTION_DAYS: '90'
  // invoices in Blob Storage, reached with the managed identity (download links: user-delegation SAS)
  BLOB_BACKEND: 'azure'
  AZURE_STORAGE_ACCOUNT_URL: storageBlobEndpoint
  INVOICES_CONTAINER: invoicesContainerName
  BLOB_CREATE_CONTAINERS: 'false'
  INVOICE_FONT_DIR: ''
  INVOICE_LINK_TTL_SECONDS: '300'
}

// Only with a password: an unresolved Key Vault reference would otherwise reach the app as the
// literal "@Microsoft.KeyVault(...)" text and become the first admin's password.
var adminSettings = (hasAdminPassword && !empty(adminEmail)) ? {
  ADMIN_EMAIL: adminEmail
  ADMIN_PASSWORD: kvRef(keyVaultName, keyVaultSecretNames.adminPassword)
} : {}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union(hostSettings, appSettings, adminSettings)
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
output uri string = 'https://${app.properties.defaultHostName}'
