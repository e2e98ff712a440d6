// Key Vault in RBAC mode holding the app's secrets; the app reads them through Key Vault references
// (app settings "@Microsoft.KeyVault(...)") resolved with its managed identity (Key Vault Secrets User).
param name string
param location string
param tags object
param principalId string

@description('Purge protection cannot be turned off again once on: on for production, off for throwaway dev vaults')
param enablePurgeProtection bool = false

@secure()
@minLength(32)
param jwtSecret string

@secure()
param adminPassword string = ''

@secure()
param stripeSecretKey string

@secure()
param stripeWebhookSecret string

var secretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User (read secret values only)

// Secret names the function app module refers to; the admin password exists only when one was given
var secretNames = {
  jwtSecret: 'jwt-secret'
  adminPassword: 'admin-password'
  stripeSecretKey: 'stripe-secret-key'
  stripeWebhookSecret: 'stripe-webhook-secret'
  webPubSubAccessKeys: 'webpubsub-access-keys'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource jwtSecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretNames.jwtSecret
  tags: tags
  properties: {
    value: jwtSecret
  }
}

resource adminPasswordValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(adminPassword)) {
  parent: vault
  name: secretNames.adminPassword
  tags: tags
  properties: {
    value: adminPassword
  }
}

resource stripeSecretKeyValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretNames.stripeSecretKey
  tags: tags
  properties: {
    value: stripeSecretKey
  }
}

resource stripeWebhookSecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretNames.stripeWebhookSecret
  tags: tags
  properties: {
    value: stripeWebhookSecret
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, secretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
output secretNames object = secretNames
output hasAdminPassword bool = !empty(adminPassword)
