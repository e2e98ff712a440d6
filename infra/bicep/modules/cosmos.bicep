// Cosmos DB (NoSQL): database `wattsup` and every container of shared/containers.py (DESIGN section 4).
// Keys are disabled: the app reaches the data plane with its managed identity (built-in Data Contributor),
// and since an Entra token cannot create containers, they are all declared here.
param name string
param location string
param tags object
param principalId string
param databaseName string = 'wattsup'

@description('serverless (pay per request, the default) or autoscale (shared database throughput)')
@allowed([
  'serverless'
  'autoscale'
])
param capacityMode string = 'serverless'

@description('Autoscale ceiling in RU/s for the shared database throughput (capacityMode autoscale only)')
@minValue(1000)
param autoscaleMaxThroughput int = 1000

// Mirrors shared/containers.py: name, partition key field, defaultTtl (-1 = per-document ttl only; absent = none)
// spatial indexes, and for a lean index the included paths (everything else excluded).
// tests/infra/test_bicep.py keeps the two in step.
var containers = [
  { name: 'users', partitionKey: 'id', defaultTtl: -1 }
  { name: 'providers', partitionKey: 'id' }
  {
    name: 'stations'
    partitionKey: 'providerId'
    spatialIndexes: [
      { path: '/location/*', types: [ 'Point' ] }
    ]
  }
  { name: 'chargers', partitionKey: 'id' }
  { name: 'sessions', partitionKey: 'stationId' }
  { name: 'reservations', partitionKey: 'connectorKey', defaultTtl: -1 }
  {
    // lean index (DESIGN section 11): only the fields the code queries, i.e. ContainerSpec.indexed_fields
    name: 'meter_samples'
    partitionKey: 'sessionId'
    defaultTtl: -1
    includedPaths: [ { path: '/sessionId/?' }, { path: '/at/?' } ]
    excludedPaths: [ { path: '/*' } ]
  }
  { name: 'invoices', partitionKey: 'providerId' }
  { name: 'payments', partitionKey: 'userId' }
  { name: 'reviews', partitionKey: 'stationId' }
  { name: 'notifications', partitionKey: 'userId', defaultTtl: -1 }
  { name: 'rollups', partitionKey: 'scope' }
  { name: 'counters', partitionKey: 'id' }
  { name: 'charger_commands', partitionKey: 'chargerId', defaultTtl: -1 }
  { name: 'processed_messages', partitionKey: 'id', defaultTtl: -1 }
  { name: 'throttles', partitionKey: 'id', defaultTtl: -1 }
]

var serverless = capacityMode == 'serverless'
// Cosmos DB Built-in Data Contributor (data plane: read/write items and queries, no account management)
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: serverless ? [ { name: 'EnableServerless' } ] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  tags: tags
  properties: {
    resource: {
      id: databaseName
    }
    // serverless accounts refuse any throughput setting
    options: serverless ? {} : { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [for c in containers: {
  parent: database
  name: c.name
  tags: tags
  properties: {
    resource: union({
      id: c.name
      partitionKey: {
        paths: [ '/${c.partitionKey}' ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: contains(c, 'includedPaths') ? c.includedPaths : [ { path: '/*' } ]
        excludedPaths: contains(c, 'excludedPaths') ? c.excludedPaths : [ { path: '/"_etag"/?' } ]
        spatialIndexes: contains(c, 'spatialIndexes') ? c.spatialIndexes : []
      }
    }, contains(c, 'defaultTtl') ? { defaultTtl: c.defaultTtl } : {})
  }
}]

resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(account.id, principalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: principalId
    scope: account.id
  }
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
