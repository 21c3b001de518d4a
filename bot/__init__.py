"""Rapport's runtime: settings, app factory, database engine, scheduler, HTTP server and CLI."""
