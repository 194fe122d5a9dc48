"""Running a server: which configuration, which address, and the dev-mode rule.

``auth: none`` (``--dev``) lets every caller do everything, so it binds only loopback addresses:
asking for any other address is a :class:`~astrocyte.errors.ConfigError` before a socket opens.
"""

from __future__ import annotations

import ipaddress

from astrocyte.config import AstrocyteConfig
from astrocyte.errors import ConfigError
from astrocyte.validation import check_bank_id


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_config(
    config: AstrocyteConfig, *, dev: bool, host: str | None, port: int | None, default_bank: str | None = None
) -> AstrocyteConfig:
    """``config`` with the command line's choices applied, checked for a dev-mode bind."""
    server = config.server
    updates: dict[str, object] = {}
    if default_bank is not None:
        updates["mcp"] = server.mcp.model_copy(update={"default_bank": check_bank_id(default_bank, "--bank")})
    if dev:
        updates["auth"] = "none"
    if host is not None:
        updates["host"] = host
    if port is not None:
        updates["port"] = port
    server = server.model_copy(update=updates)
    if server.auth == "none" and not is_loopback(server.host):
        raise ConfigError(
            f"refusing to bind {server.host!r} without authentication: dev mode (auth: none) serves only "
            "loopback addresses such as 127.0.0.1; configure server.principals and drop --dev to serve others"
        )
    if server.auth == "required" and not server.principals and server.jwt is None:
        raise ConfigError(
            "authentication is required but no principal or JWT issuer is configured, so every call would be "
            "refused; add server.principals (see `astrocyte server hash-key`) or use --dev on this machine"
        )
    return config.model_copy(update={"server": server})


__all__ = ["is_loopback", "server_config"]
