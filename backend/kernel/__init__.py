"""The shared kernel: what the backend and the bot (and the NLU's Python side) both import and
must agree on: the one settings object (`config.py`), the clock (`clock.py`), the database
engine factory and column types (`database.py`), encryption at rest (`crypto.py`), request
signing between the processes (`signing.py`), the periodic-worker base (`workers.py`), token
buckets (`ratelimit.py`), business hours and appointment windows (`business_calendar.py`), the
push contract between the backend's outbox and the bot (`pushes.py`) and the ticket-number
grammar (`ticket_numbers.py`). The bot imports nothing else of the backend
(tests/test_import_cycles.py).

It imports no backend domain package (tickets, sla, surveys, …) and nothing of the bot, so
either process can import it without pulling the other's code in; `ticket_numbers.py` imports
only the standard library. Nothing is imported here: `import backend.kernel.pushes`.
"""
