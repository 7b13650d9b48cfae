"""Connectors to IMAP, SMTP, CRM and inventory: a Protocol each, real adapters, fakes."""
