"""Who may find a customer and change their record (the products they own), by role: one
place, read by the routes (require_roles) and by the console (what it shows and offers).

Finding a customer (by phone, by id) and reading their products is desk work: agents,
dispatchers, supervisors and admins. Technicians see the customers of the tickets assigned to
them only (the ticket page's archive), so not a search over everyone. Changing the record
(adding, correcting, removing a product, settling a duplicate serial number) is for those who
talk with customers about it: agents, supervisors and admins. A technician reads the product
of a ticket assigned to them on the ticket (its `registered_product`) and confirms its model
and serial on a visit there (POST /api/v1/tickets/{number}/product), not by product id."""

from __future__ import annotations

from backend.staff.enums import Role

FINDERS = frozenset({Role.agent, Role.dispatcher, Role.supervisor, Role.admin})
EDITORS = frozenset({Role.agent, Role.supervisor, Role.admin})
