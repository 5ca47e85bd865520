"""The composition root, the HTTP API and the command line."""
