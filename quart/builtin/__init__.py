"""Quart's default behaviour, written as plugins (see
:data:`quart.plugins.BUILTIN_PLUGINS`); block one with
``Quart(..., disable_plugins=["quart.sessions"])`` to replace it."""
