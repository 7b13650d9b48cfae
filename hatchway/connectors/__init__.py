"""Connectors to the outside world (IMAP, SMTP, CRM, inventory): a Protocol each, real adapters and fakes."""
