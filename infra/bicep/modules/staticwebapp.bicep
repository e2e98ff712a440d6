// The web app (web/, issue: the web app) on Azure Static Web Apps: the built single-page app is deployed
// by azd (azure.yaml's `web` service); it calls the Function App's API at its own host name (CORS on the
// Function App allows this origin).
param name string
@description('Static Web Apps exist in a few regions only; the content is served globally from its CDN')
@allowed([
  'westeurope'
  'centralus'
  'eastus2'
  'westus2'
  'eastasia'
])
param location string = 'westeurope'
param tags object
@allowed([
  'Free'
  'Standard'
])
param skuName string = 'Free'

resource site 'Microsoft.Web/staticSites@2023-12-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    name: skuName
    tier: skuName
  }
  properties: {
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Enabled'
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostname
output uri string = 'https://${site.properties.defaultHostname}'
