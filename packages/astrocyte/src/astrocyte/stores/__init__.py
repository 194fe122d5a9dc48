"""Store implementations that ship with the core: ``memory`` (the reference) and, later, ``sqlite``."""
