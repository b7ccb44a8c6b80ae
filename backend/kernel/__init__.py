"""The shared kernel: what the backend and the bot (and the NLU's Python side) both import and
must agree on: the push contract between the backend's outbox and the bot (`pushes.py`) and
the ticket-number grammar (`ticket_numbers.py`).

It imports no backend domain package (tickets, sla, surveys, …) and nothing of the bot, so
either process can import it without pulling the other's code in; `ticket_numbers.py` imports
only the standard library. Nothing is imported here: `import backend.kernel.pushes`.
"""
