"""Run Flask extensions on Quart: ``import quart_flask_patch`` before
anything imports ``flask``.

Importing this package makes ``flask`` and its submodules resolve to Quart's
own objects (``flask.Flask is quart.Quart``, ``flask.g is quart.g``), gives
sync code Flask's sync API (``request.form``, ``make_response(...)``,
``render_template(...)`` return values when called from sync code, and
awaitables when awaited), and registers the ``quart_flask_patch`` plugin on
every app created afterwards. It does not touch asyncio: no Task or Future
replacement, no re-entrant loop, uvloop works.

Its modules, by what they provide:

* :mod:`.sync_bridge`: how sync code gets values out of async APIs
  (:func:`call_sync`, ``hybrid``, ``caller_is_async``).
* :mod:`.flask_modules`: the ``flask`` alias modules.
* :mod:`.sync_helpers`: the sync-facing helpers those modules export
  (``make_response``, ``render_template``, ``stream_with_context``...).
* :mod:`.flask_cli`: ``flask.cli.with_appcontext`` and the
  ``flask.commands`` entry-point group.
* :mod:`.patches`: Flask's sync API on Quart's classes, one module per
  patched target (``request``, ``response``, ``app``, ``views``...).
* :mod:`.extension_fixups`: the import hook that fixes up extensions.
* :mod:`.extensions` and :mod:`.plugin`: Flask extensions as plugins.

It uses only public names of ``quart``; the core knows nothing of it.
"""

from __future__ import annotations

from .extensions import FlaskExtension
from .extensions import init_extensions
from .flask_modules import FLASK_VERSION
from .sync_bridge import SyncCallError
from .sync_bridge import call_sync

__all__ = [
    "FLASK_VERSION",
    "FlaskExtension",
    "SyncCallError",
    "call_sync",
    "init_extensions",
    "install",
]

#: The plugin name of the shim's built-in plugin.
PLUGIN_NAME = "quart_flask_patch"


def install() -> None:
    """Install the shim (done on import; safe to call again). Raises
    :class:`ImportError` if the real Flask was imported first."""
    from quart import plugins

    from . import extension_fixups
    from . import flask_modules
    from . import patches

    loaded = flask_modules.real_flask_loaded()
    if loaded:
        raise ImportError(
            "quart_flask_patch must be imported before flask, but the real"
            f" Flask is already imported ({', '.join(sorted(loaded))}). Import"
            " quart_flask_patch first, at the top of the app's entry module."
        )
    patches.apply()
    flask_modules.install()
    extension_fixups.install()
    plugins.register_builtin(PLUGIN_NAME, "quart_flask_patch.plugin")


install()
