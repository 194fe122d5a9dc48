"""Writing adapters: the scaffold behind ``astrocyte adapter new`` and the report of ``adapter check``.

Everything here is generated from the SPI Protocols and the contract suites themselves, so a
scaffold or a report can never disagree with the core it was made by.
"""
