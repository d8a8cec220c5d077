"""Types every layer of the API shares (request context, audit record, stored model, errors, ports).

Nothing here imports the routers, the logic or the data access: ``routers -> logic -> domain <- dal``.
"""
