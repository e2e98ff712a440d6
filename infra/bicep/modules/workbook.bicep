// The admins' Application Insights workbook (workbook.json): sessions started and failed, charger
// connectivity, OCPP frames by outcome, payment failures, dead letters (the Service Bus namespace's
// DeadletteredMessages metric) and the functions' errors and latency. Its KQL reads the metric names of
// shared/telemetry.py (tests/infra/test_bicep.py keeps the two in step). Opened from the Application
// Insights resource: Workbooks.
param nameSeed string
param displayName string
param location string
param tags object
param applicationInsightsId string
param serviceBusNamespaceId string

// workbook.json names the resources it reads by placeholders, so the file stays plain JSON to test and edit
var serializedData = replace(
  replace(loadTextContent('workbook.json'), '__APPLICATION_INSIGHTS_ID__', applicationInsightsId),
  '__SERVICE_BUS_NAMESPACE_ID__',
  serviceBusNamespaceId
)

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // a workbook's name must be a GUID; the seed is the abbreviation and resource token main.bicep passes
  name: guid(resourceGroup().id, nameSeed)
  location: location
  // the portal lists a shared workbook under its hidden-title tag
  tags: union(tags, { 'hidden-title': displayName })
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: serializedData
    version: 'Notebook/1.0'
  }
}

output id string = workbook.id
output name string = workbook.name
