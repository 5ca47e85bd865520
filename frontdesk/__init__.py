"""The `frontdesk` command: the service's commands (api) and the eval command (evals) in one.

Above every other package: it imports api and evals, and nothing imports it.
"""
