// The `ocpp` hub: every charger event goes, as CloudEvents over HTTP, to the function at
// /api/ocpp/webpubsub. Anonymous connect is allowed because chargers cannot fetch a Web PubSub
// token: the `connect` event is the gate (HTTP Basic, OCPP security profile 1; a 401 refuses the socket).
param webPubSubName string
param hubName string = 'ocpp'
param functionHostName string

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: webPubSubName
}

resource hub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: webPubSub
  name: hubName
  properties: {
    anonymousConnectPolicy: 'allow'
    eventHandlers: [
      {
        urlTemplate: 'https://${functionHostName}/api/ocpp/webpubsub'
        userEventPattern: '*'
        systemEvents: [
          'connect'
          'connected'
          'disconnected'
        ]
      }
    ]
  }
}

output hubName string = hub.name
