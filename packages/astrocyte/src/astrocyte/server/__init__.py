"""The servers: the REST API (:mod:`astrocyte.server.rest`) and the MCP server (:mod:`astrocyte.server.mcp`).

Both need the ``server`` extra (``pip install 'astrocyte[server]'``) and call only the facade.
"""
