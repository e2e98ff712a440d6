// Web PubSub service for the chargers' OCPP sockets (DESIGN section 6). The hub, whose event handler
// points at the function app, is in webpubsub-hub.bicep: splitting the two breaks the cycle
// "function app needs the access keys, hub needs the function app's host name".
//
// Local auth stays on on purpose: the charger endpoint verifies each event's ce-signature, an
// HMAC of the connection id under these access keys, so the app needs them (as a Key Vault secret).
param name string
param location string
param tags object
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
