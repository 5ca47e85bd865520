"""The transactional core of Frontdesk: tables, unit of work and services. No LLM, no HTTP."""
