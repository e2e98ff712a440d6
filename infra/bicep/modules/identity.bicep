// The Function App's user-assigned managed identity. User-assigned rather than system-assigned so
// that every role assignment can be made before the app exists (no chicken-and-egg on first deploy)
// and survives the app being recreated.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
