"""The built-in memory pipeline: retain, recall, reflect and forget over the SPI, one small module a step.

The facade (:mod:`astrocyte.engine`) wires providers and delegates here; these modules see stores only
through :mod:`astrocyte.spi` and :func:`astrocyte.spi.capabilities_of`, never a concrete backend.
"""
