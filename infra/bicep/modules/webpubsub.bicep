// Web PubSub service for the chargers' OCPP sockets (DESIGN section 6). The hub, whose event handler
// points at the function app, is in webpubsub-hub.bicep: splitting the two breaks the cycle
// "function app needs the access keys, hub needs the function app's host name".
//
// Local auth stays on on purpose: the charger endpoint verifies each event's ce-signature, an
// HMAC of the connection id under these access keys, so the app needs them (as a Key Vault secret).
//
// Commands to chargers go out through the data-plane REST API (send to connection). The app signs
// them with the access key when it has one; its identity also gets "Web PubSub Service Owner" on this
// resource only, so sending with an Entra token (no key) works too.
param name string
param location string
param tags object
@description('Principal id of the app\'s user-assigned identity')
param principalId string
param keyVaultName string
param accessKeysSecretName string

@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param skuName string = 'Free_F1'
@minValue(1)
param capacity int = 1

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'WebPubSub'
  sku: {
    name: skuName
    capacity: capacity
  }
  properties: {
    disableLocalAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

// Web PubSub Service Owner: a data-plane role (send to connections, users and groups, close them,
// issue client tokens) with no control-plane rights: it cannot read the keys, change the hub or
// delete the resource. The built-in data-plane alternatives cannot send to a connection ("Web PubSub
// Service Reader" only reads), so this is the least privilege for ChargerLink. Not Owner/Contributor.
var serviceOwnerRoleId = '12cf5a90-567b-43ae-8102-96cf46c7d9b4'

resource serviceOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(webPubSub.id, principalId, serviceOwnerRoleId)
  scope: webPubSub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceOwnerRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// WEBPUBSUB_ACCESS_KEYS is "primary,secondary" so either key verifies while the other is rotated.
// After a key regeneration, redeploy (or update this secret) to refresh it.
resource accessKeys 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: accessKeysSecretName
  tags: tags
  properties: {
    value: '${webPubSub.listKeys().primaryKey},${webPubSub.listKeys().secondaryKey}'
  }
}

output name string = webPubSub.name
output hostName string = webPubSub.properties.hostName
output accessKeysSecretName string = accessKeys.name
