"""The credmatch service: HTTP API, database, application services and CLI."""
