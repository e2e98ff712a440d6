// Alert rules for what an admin must act on: dead letters waiting (the Service Bus namespace's own
// metric), the payment failure rate and the function error rate (log queries on Application Insights),
// and chargers gone quiet (no OCPP frame for chargerSilenceMinutes). With an email address they notify an
// action group; without one they still fire and show in the portal (Monitor: Alerts). The metric names in
// the queries are shared/telemetry.py's (tests/infra/test_bicep.py checks them). No role assignments:
// alert rules read with the platform's own rights.
param location string
param tags object

@description('Resource names: actionGroup, deadLetters, paymentFailures, functionErrors, chargersOffline')
param names object
param applicationInsightsId string
param serviceBusNamespaceId string

@description('Where alert notifications go; empty: no action group (the alerts only show in the portal)')
param alertEmailAddress string = ''

@description('Alert when payment failures exceed this share of the sessions stopped in 15 minutes (at least 3 failures)')
@minValue(1)
@maxValue(100)
param paymentFailureRatePercent int = 10

@description('Alert when more than this share of function invocations fails in 15 minutes (at least 20 invocations)')
@minValue(1)
@maxValue(100)
param functionErrorRatePercent int = 5

@description('Alert when no charger has sent an OCPP frame for this long, after frames in the last day')
@minValue(5)
param chargerSilenceMinutes int = 15

var notify = !empty(alertEmailAddress)
// by resourceId() rather than a reference, so that no property of the conditional action group is read
var actionGroupId = resourceId('Microsoft.Insights/actionGroups', names.actionGroup)
var logAlertActions = {
  actionGroups: notify ? [ actionGroupId ] : []
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (notify) {
  name: names.actionGroup
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'wattsup'
    enabled: true
    emailReceivers: [
      {
        name: 'admins'
        emailAddress: alertEmailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

// Messages the broker dead-lettered after maxDeliveryCount deliveries wait in each entity's dead-letter
// queue until someone inspects and replays or deletes them (README: portal tasks).
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: names.deadLetters
  location: 'global'
  tags: tags
  properties: {
    description: 'Dead-lettered messages are waiting in a Service Bus entity: inspect and replay them (Service Bus Explorer).'
    severity: 2
    enabled: true
    scopes: [ serviceBusNamespaceId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadLettersWaiting'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [ '*' ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    actions: notify ? [ { actionGroupId: actionGroupId } ] : []
  }
  dependsOn: [ actionGroup ]
}

resource paymentFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.paymentFailures
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Watt\'s Up: payment failure rate'
    description: 'Payment failures (wattsup.payments.failed) are over ${paymentFailureRatePercent} % of the sessions stopped.'
    severity: 2
    enabled: true
    scopes: [ applicationInsightsId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name in ("wattsup.payments.failed", "wattsup.sessions.stopped") | summarize failed = sumif(valueSum, name == "wattsup.payments.failed"), stopped = sumif(valueSum, name == "wattsup.sessions.stopped") | where failed >= 3 | extend failureRatePercent = iff(stopped > 0, 100.0 * failed / stopped, 100.0)'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'failureRatePercent'
          operator: 'GreaterThan'
          threshold: paymentFailureRatePercent
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: logAlertActions
  }
  dependsOn: [ actionGroup ]
}

resource functionErrors 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.functionErrors
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Watt\'s Up: function error rate'
    description: 'More than ${functionErrorRatePercent} % of function invocations failed (requests table).'
    severity: 2
    enabled: true
    scopes: [ applicationInsightsId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'requests | summarize total = count(), failed = countif(success == false) | where total >= 20 | extend errorRatePercent = 100.0 * failed / total'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'errorRatePercent'
          operator: 'GreaterThan'
          threshold: functionErrorRatePercent
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: logAlertActions
  }
  dependsOn: [ actionGroup ]
}

// Frames, not the open-sockets counter: that counter is per worker and drifts when a worker is recycled,
// while every charger sends at least a Heartbeat per OCPP_HEARTBEAT_INTERVAL_SECONDS. The query looks one
// day back, so a network that never had a charger (a fresh dev environment) does not fire.
resource chargersOffline 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: names.chargersOffline
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Watt\'s Up: chargers offline'
    description: 'No charger has sent an OCPP frame (wattsup.ocpp.frames) for ${chargerSilenceMinutes} minutes.'
    severity: 1
    enabled: true
    scopes: [ applicationInsightsId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    overrideQueryTimeRange: 'P1D'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "wattsup.ocpp.frames" | summarize lastFrame = max(timestamp) | where lastFrame < ago(${chargerSilenceMinutes}m)'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: logAlertActions
  }
  dependsOn: [ actionGroup ]
}

output actionGroupId string = notify ? actionGroupId : ''
output alertRuleNames array = [
  deadLetters.name
  paymentFailures.name
  functionErrors.name
  chargersOffline.name
]
