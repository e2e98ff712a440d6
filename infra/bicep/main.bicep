// Watt's Up: everything the platform runs on in Azure, for `azd up` (azure.yaml) or
// `az deployment sub create -f infra/bicep/main.bicep -p infra/bicep/main.<env>.parameters.json`.
//
// Subscription scope: the deployment creates its own resource group (rg-<environmentName>), so one
// environment is one resource group that `azd down` removes whole, and names derive from a token of
// (subscription, environment, location) rather than from a group someone had to create first.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Environment name (azd AZURE_ENV_NAME), e.g. wattsup-dev; names the resource group and tags everything')
param environmentName string

@minLength(1)
@description('Region for every resource')
param location string

@description('Override the resource group name (default rg-<environmentName>)')
param resourceGroupName string = ''

@allowed([
  'serverless'
  'autoscale'
])
param cosmosCapacityMode string = 'serverless'
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Service Bus deliveries before dead-lettering; also the app setting BUS_MAX_DELIVERY_COUNT')
@minValue(1)
param busMaxDeliveryCount int = 10

@allowed([
  'Standard'
  'Premium'
])
param serviceBusSku string = 'Standard'

@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param webPubSubSku string = 'Free_F1'

@description('Web PubSub hub of the chargers; also the app setting WEBPUBSUB_HUB')
param webPubSubHubName string = 'ocpp'

@minValue(1)
param functionMaximumInstanceCount int = 100

@allowed([
  'test'
  'production'
])
@description('APP_ENV of the deployed app (never development: that accepts the default JWT secret)')
param appEnvironment string = 'production'

@description('JWT issuer; empty means https://<function host>')
param jwtIssuer string = ''

@description('Email of the first platform admin, created at start-up when adminPassword is set too')
param adminEmail string = ''

@description('Seed the demo network (DEMO_DATA); never in production')
param demoData bool = false

param keyVaultPurgeProtection bool = false

@description('Where notification emails are stored at rest (Communication Services data location)')
param emailDataLocation string = 'Europe'

@description('Region of the Static Web App that serves the web app (a few regions only; content goes out via its CDN)')
param staticWebAppLocation string = 'westeurope'

@description('Email address alert notifications go to; empty: no action group (the alerts only show in the portal)')
param alertEmailAddress string = ''

@secure()
@minLength(32)
@description('JWT signing secret (at least 32 random characters), stored in Key Vault')
param jwtSecret string

@secure()
param adminPassword string = ''

@secure()
@description('Stripe secret key (sk_live_... or, for a test deployment, sk_test_...), stored in Key Vault')
param stripeSecretKey string

@description('Stripe publishable key (pk_...): public, for the web app')
param stripePublishableKey string = ''

@secure()
@description('Stripe webhook signing secret (whsec_...) of the endpoint /api/payments/stripe/webhook')
param stripeWebhookSecret string

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'wattsup'
}
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? '${abbrs.resourcesResourceGroups}${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    deploymentContainerName: deploymentContainerName
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    maxDeliveryCount: busMaxDeliveryCount
    skuName: serviceBusSku
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    enablePurgeProtection: keyVaultPurgeProtection
    jwtSecret: jwtSecret
    adminPassword: adminPassword
    stripeSecretKey: stripeSecretKey
    stripeWebhookSecret: stripeWebhookSecret
  }
}

module webPubSub 'modules/webpubsub.bicep' = {
  name: 'webpubsub'
  scope: rg
  params: {
    name: '${abbrs.signalRServiceWebPubSub}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    skuName: webPubSubSku
    keyVaultName: keyVault.outputs.name
    accessKeysSecretName: keyVault.outputs.secretNames.webPubSubAccessKeys
  }
}

// Email for notifications, sent with the app's identity
module communication 'modules/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    communicationName: '${abbrs.communicationCommunicationServices}${resourceToken}'
    emailServiceName: '${abbrs.communicationEmailServices}${resourceToken}'
    tags: tags
    principalId: identity.outputs.principalId
    dataLocation: emailDataLocation
  }
}

// The web app (web/), deployed by azd as the `web` service
module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'staticwebapp'
  scope: rg
  params: {
    name: '${abbrs.webStaticSites}${resourceToken}'
    location: staticWebAppLocation
    tags: tags
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    invoicesContainerName: storage.outputs.invoicesContainerName
    stripePublishableKey: stripePublishableKey
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    keyVaultSecretNames: keyVault.outputs.secretNames
    hasAdminPassword: keyVault.outputs.hasAdminPassword
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    sessionEventsTopicName: serviceBus.outputs.sessionEventsTopicName
    billingEventsTopicName: serviceBus.outputs.billingEventsTopicName
    notificationsQueueName: serviceBus.outputs.notificationsQueueName
    maxDeliveryCount: busMaxDeliveryCount
    webPubSubHostName: webPubSub.outputs.hostName
    webPubSubHubName: webPubSubHubName
    corsAllowedOrigins: [
      staticWebApp.outputs.uri
    ]
    communicationEndpoint: communication.outputs.endpoint
    mailSenderAddress: communication.outputs.senderAddress
    appEnvironment: appEnvironment
    jwtIssuer: jwtIssuer
    adminEmail: adminEmail
    demoData: demoData
    maximumInstanceCount: functionMaximumInstanceCount
  }
}

module webPubSubHub 'modules/webpubsub-hub.bicep' = {
  name: 'webpubsub-hub'
  scope: rg
  params: {
    webPubSubName: webPubSub.outputs.name
    hubName: webPubSubHubName
    functionHostName: functionApp.outputs.defaultHostName
  }
}

// The admins' portal view: a workbook on Application Insights and the alert rules (README: Watching it run)
module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    nameSeed: '${abbrs.insightsWorkbooks}${resourceToken}'
    displayName: 'Watt\'s Up operations (${environmentName})'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    names: {
      actionGroup: '${abbrs.insightsActionGroups}${resourceToken}'
      deadLetters: '${abbrs.insightsMetricAlerts}dead-letters-${resourceToken}'
      paymentFailures: '${abbrs.insightsScheduledQueryRules}payment-failures-${resourceToken}'
      functionErrors: '${abbrs.insightsScheduledQueryRules}function-errors-${resourceToken}'
      chargersOffline: '${abbrs.insightsScheduledQueryRules}chargers-offline-${resourceToken}'
    }
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
    alertEmailAddress: alertEmailAddress
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output WEBPUBSUB_HOST_NAME string = webPubSub.outputs.hostName
output WEBPUBSUB_HUB string = webPubSubHub.outputs.hubName
output AZURE_COMMUNICATION_ENDPOINT string = communication.outputs.endpoint
output MAIL_SENDER_ADDRESS string = communication.outputs.senderAddress
output WEB_URI string = staticWebApp.outputs.uri
