"""Notification content: the words of each kind in English and German, and the Jinja2 email templates."""
