"""Language-model providers that ship with the core."""
