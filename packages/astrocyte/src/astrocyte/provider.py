"""Alias of :mod:`astrocyte.spi` under the published module name ``astrocyte.provider``."""

from astrocyte.spi import *  # noqa: F403
from astrocyte.spi import __all__ as __all__
