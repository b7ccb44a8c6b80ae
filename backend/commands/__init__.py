"""The bodies of the bigger `frontdesk` commands, one module each; backend/cli.py parses the
command line and dispatches to them."""
