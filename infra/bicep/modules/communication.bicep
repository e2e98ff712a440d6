// Email for notifications (issue: reviews and notifications): an Email Communication Service with an
// Azure-managed domain (DoNotReply@<id>.azurecomm.net, no DNS to verify), linked to a Communication
// Services resource that the app sends through with its managed identity (no connection string, local
// auth off). A custom domain replaces the managed one in the portal when the operator has one.
param communicationName string
param emailServiceName string
param tags object
@description('Principal id of the app\'s user-assigned identity')
param principalId string
@description('Where the messages are stored at rest')
@allowed([
  'Europe'
  'Germany'
  'France'
  'Switzerland'
  'Norway'
  'UK'
  'United States'
])
param dataLocation string = 'Europe'
@description('The sender\'s local part on the managed domain')
param senderUsername string = 'DoNotReply'
param senderDisplayName string = 'Watt\'s Up'

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource sender 'Microsoft.Communication/emailServices/domains/senderUsernames@2023-04-01' = {
  parent: managedDomain
  name: toLower(senderUsername)
  properties: {
    username: senderUsername
    displayName: senderDisplayName
  }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      managedDomain.id
    ]
    disableLocalAuth: true
  }
}

// "Communication and Email Service Owner": the built-in role that lets an identity send email through
// this Communication Services resource (nothing narrower exists for Entra-authenticated sending), on this
// resource only. Not Owner/Contributor.
var emailSenderRoleId = '09976791-48a7-449e-bb21-39d1a415f350'

resource emailSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, principalId, emailSenderRoleId)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', emailSenderRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = communication.name
output endpoint string = 'https://${communication.properties.hostName}'
output senderAddress string = '${senderUsername}@${managedDomain.properties.mailFromSenderDomain}'
