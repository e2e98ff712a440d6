"""The words of every notification kind, English and German: subject and first line, then labels.

Placeholders are ``str.format`` fields filled with already formatted values (``{station}``, ``{amount}``);
the values may hold anything a user typed, and are escaped where they are shown (the HTML template
autoescapes; see ``shared.notifications.render``).
"""

from __future__ import annotations

from shared.invoices.formats import Language

__all__ = ["LABELS", "TEXTS", "text_of"]

# kind -> language -> (subject, intro)
TEXTS: dict[str, dict[Language, tuple[str, str]]] = {
    "SessionStarted": {
        "en": ("Charging started at {station}", "Your charging session at {station} has started."),
        "de": ("Ladevorgang an {station} gestartet", "Ihr Ladevorgang an {station} hat begonnen."),
    },
    "SessionStopped": {
        "en": ("Charging finished at {station}", "Your charging session at {station} has ended."),
        "de": ("Ladevorgang an {station} beendet", "Ihr Ladevorgang an {station} ist beendet."),
    },
    "SessionFailed": {
        "en": ("Charging did not start at {station}", "The charger at {station} did not start charging."),
        "de": ("Ladevorgang an {station} nicht gestartet", "Die Ladestation {station} hat nicht zu laden begonnen."),
    },
    "CapReached": {
        "en": ("Your limit was reached at {station}", "Charging at {station} stops: your limit was reached."),
        "de": ("Ihr Limit ist erreicht ({station})", "Der Ladevorgang an {station} endet: Ihr Limit ist erreicht."),
    },
    "IdleStarted": {
        "en": ("Your car is no longer charging at {station}", "Please move your car: idle fees may apply from now."),
        "de": ("Ihr Auto lädt nicht mehr ({station})", "Bitte parken Sie um: ab jetzt können Standgebühren anfallen."),
    },
    "PaymentCaptured": {
        "en": ("Payment received: {amount}", "We charged {amount} to your card for your session."),
        "de": ("Zahlung erhalten: {amount}", "Wir haben {amount} für Ihren Ladevorgang von Ihrer Karte abgebucht."),
    },
    "PaymentFailed": {
        "en": ("Payment failed: {amount}", "We could not charge {amount} to your card. Please check your card."),
        "de": ("Zahlung fehlgeschlagen: {amount}", "Wir konnten {amount} nicht abbuchen. Bitte prüfen Sie Ihre Karte."),
    },
    "InvoiceIssued": {
        "en": ("Your invoice {number}", "Your invoice {number} over {amount} is ready."),
        "de": ("Ihre Rechnung {number}", "Ihre Rechnung {number} über {amount} steht bereit."),
    },
    "ReservationConfirmed": {
        "en": ("Reservation confirmed at {station}", "Your connector at {station} is reserved from {start}."),
        "de": ("Reservierung bestätigt ({station})", "Ihr Ladepunkt an {station} ist ab {start} reserviert."),
    },
    "ReservationReminder": {
        "en": ("Your reservation starts soon at {station}", "Your reservation at {station} starts at {start}."),
        "de": ("Ihre Reservierung beginnt bald ({station})", "Ihre Reservierung an {station} beginnt um {start}."),
    },
    "ReservationExpired": {
        "en": ("Reservation expired at {station}", "Your reservation at {station} expired unused."),
        "de": ("Reservierung abgelaufen ({station})", "Ihre Reservierung an {station} ist ungenutzt abgelaufen."),
    },
    "ReservationDisrupted": {
        "en": ("Problem with your reservation at {station}", "The connector you reserved from {start} is {cause}."),
        "de": ("Problem mit Ihrer Reservierung ({station})", "Der ab {start} reservierte Ladepunkt ist {cause}."),
    },
    "ChargerFaulted": {
        "en": ("Charger {charger} reports a fault", "Charger {charger} at {station} reported a fault."),
        "de": ("Ladestation {charger} meldet eine Störung", "Ladestation {charger} an {station} meldet eine Störung."),
    },
    "ChargerOffline": {
        "en": ("Charger {charger} is offline", "Charger {charger} at {station} lost its connection."),
        "de": ("Ladestation {charger} ist offline", "Ladestation {charger} an {station} hat keine Verbindung mehr."),
    },
    "ReviewPosted": {
        "en": ("New review of {station}", "A driver rated {station} {rating} of 5."),
        "de": ("Neue Bewertung für {station}", "Ein Fahrer hat {station} mit {rating} von 5 bewertet."),
    },
    "ReviewReplied": {
        "en": ("{station} replied to your review", "The operator of {station} replied to your review."),
        "de": (
            "{station} hat auf Ihre Bewertung geantwortet",
            "Der Betreiber von {station} hat auf Ihre Bewertung geantwortet.",
        ),
    },
    "ReviewHidden": {
        "en": ("Your review of {station} was hidden", "A moderator hid your review of {station}."),
        "de": (
            "Ihre Bewertung von {station} wurde ausgeblendet",
            "Ein Moderator hat Ihre Bewertung von {station} ausgeblendet.",
        ),
    },
    "ProblemResolved": {
        "en": (
            "The problem you reported at {station} is fixed",
            "The operator of {station} resolved the problem you reported.",
        ),
        "de": (
            "Das gemeldete Problem an {station} ist behoben",
            "Der Betreiber von {station} hat das gemeldete Problem behoben.",
        ),
    },
    "ProblemReported": {
        "en": ("Problem reported at {station}", "A driver reported a problem at {station}."),
        "de": ("Problem gemeldet ({station})", "Ein Fahrer hat ein Problem an {station} gemeldet."),
    },
    "ApplicationApproved": {
        "en": ("Welcome, {name}", "Your application as a charging provider was approved."),
        "de": ("Willkommen, {name}", "Ihre Bewerbung als Ladeanbieter wurde angenommen."),
    },
    "ApplicationRejected": {
        "en": ("Your application for {name}", "Your application as a charging provider was declined."),
        "de": ("Ihre Bewerbung für {name}", "Ihre Bewerbung als Ladeanbieter wurde abgelehnt."),
    },
    "PasswordChanged": {
        "en": ("Your password was changed", "The password of your account was changed and every device signed out."),
        "de": ("Ihr Passwort wurde geändert", "Das Passwort Ihres Kontos wurde geändert; alle Geräte sind abgemeldet."),
    },
}

LABELS: dict[Language, dict[str, str]] = {
    "en": {
        "energy": "Energy", "duration": "Duration", "cost": "Cost", "session": "Session", "reason": "Reason",
        "start": "Start", "end": "End", "connector": "Connector", "error": "Error code", "rating": "Rating",
        "comment": "Comment", "at": "Time", "invoice": "Open the invoice (PDF)", "fault": "out of order",
        "maintenance": "closed for maintenance", "unsubscribe": "Unsubscribe from these emails",
        "why": "You receive this email because of your Watt's Up account.", "security_note":
        "If this was not you, reset your password at once.", "final": "We will not try again.",
    },
    "de": {
        "energy": "Energie", "duration": "Dauer", "cost": "Kosten", "session": "Ladevorgang", "reason": "Grund",
        "start": "Beginn", "end": "Ende", "connector": "Ladepunkt", "error": "Fehlercode", "rating": "Bewertung",
        "comment": "Kommentar", "at": "Zeit", "invoice": "Rechnung öffnen (PDF)", "fault": "gestört",
        "maintenance": "wegen Wartung geschlossen", "unsubscribe": "Diese E-Mails abbestellen",
        "why": "Sie erhalten diese E-Mail wegen Ihres Watt's-Up-Kontos.", "security_note":
        "Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück.", "final": "Wir versuchen es nicht erneut.",
    },
}  # fmt: skip


def text_of(key: str, language: Language, **values: str) -> tuple[str, str]:
    subject, intro = TEXTS[key][language]
    return subject.format(**values), intro.format(**values)
