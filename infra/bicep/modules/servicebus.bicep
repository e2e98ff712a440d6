// Service Bus (DESIGN section 5): topics session-events and billing-events with one subscription per
// capability that consumes that topic, and the notifications queue. Local auth is off (identity only); the app gets
// Data Sender and Data Receiver on the namespace, never Owner.
param name string
param location string
param tags object
param principalId string
param sessionEventsTopicName string = 'session-events'
param billingEventsTopicName string = 'billing-events'
param notificationsQueueName string = 'notifications'

@description('The subscriptions on session-events: one per consuming capability (the functions\' subscription_name)')
param sessionEventsConsumers array = [
  'analytics'
  'billing'
  'notifications'
  'reviews'
]

@description('The subscriptions on billing-events: one per consuming capability')
param billingEventsConsumers array = [
  'analytics'
  'notifications'
]

@description('Deliveries before a message is dead-lettered; the app reads the same value as BUS_MAX_DELIVERY_COUNT')
@minValue(1)
param maxDeliveryCount int = 10

@description('Standard is the cheapest tier with topics')
@allowed([
  'Standard'
  'Premium'
])
param skuName string = 'Standard'

var senderRoleId = '69a216fc-b8fb-44d8-bc22-1f3c2c88dd39' // Azure Service Bus Data Sender
var receiverRoleId = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver

// The adapter sets message_id to the envelope id, so broker duplicate detection and the consumers'
// idempotency (processed_messages) agree on one key.
var entityDefaults = {
  defaultMessageTimeToLive: 'P14D'
  requiresDuplicateDetection: true
  duplicateDetectionHistoryTimeWindow: 'PT10M'
}
var receiverDefaults = {
  maxDeliveryCount: maxDeliveryCount
  deadLetteringOnMessageExpiration: true
  lockDuration: 'PT1M'
  defaultMessageTimeToLive: 'P14D'
  requiresSession: false
}

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource sessionEvents 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: namespace
  name: sessionEventsTopicName
  properties: entityDefaults
}

resource billingEvents 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: namespace
  name: billingEventsTopicName
  properties: entityDefaults
}

resource sessionEventsSubscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for consumer in sessionEventsConsumers: {
  parent: sessionEvents
  name: consumer
  properties: union(receiverDefaults, {
    deadLetteringOnFilterEvaluationExceptions: true
  })
}]

resource billingEventsSubscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for consumer in billingEventsConsumers: {
  parent: billingEvents
  name: consumer
  properties: union(receiverDefaults, {
    deadLetteringOnFilterEvaluationExceptions: true
  })
}]

resource notificationsQueue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = {
  parent: namespace
  name: notificationsQueueName
  properties: union(receiverDefaults, {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
  })
}

resource dataSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, principalId, senderRoleId)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', senderRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource dataReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace.id, principalId, receiverRoleId)
  scope: namespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', receiverRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output id string = namespace.id
output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output sessionEventsTopicName string = sessionEvents.name
output billingEventsTopicName string = billingEvents.name
output notificationsQueueName string = notificationsQueue.name
