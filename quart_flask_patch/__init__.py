"""Run Flask extensions on Quart: ``import quart_flask_patch`` before
anything imports ``flask``.

Importing this package makes ``flask`` and its submodules resolve to Quart's
own objects (``flask.Flask is quart.Quart``, ``flask.g is quart.g``), gives
sync code Flask's sync API (``request.form``, ``make_response(...)``,
``render_template(...)`` return values when called from sync code, and
awaitables when awaited), and registers the ``quart_flask_patch`` plugin on
every app created afterwards. It does not touch asyncio: no Task or Future
replacement, no re-entrant loop, uvloop works.
"""

from __future__ import annotations

from ._bridge import SyncCallError
from ._bridge import call_sync
from ._modules import FLASK_VERSION
from .extensions import FlaskExtension
from .extensions import init_extensions

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

    from . import _modules
    from . import _patches
    from . import _quirks

    loaded = _modules.real_flask_loaded()
    if loaded:
        raise ImportError(
            "quart_flask_patch must be imported before flask, but the real"
            f" Flask is already imported ({', '.join(sorted(loaded))}). Import"
            " quart_flask_patch first, at the top of the app's entry module."
        )
    _patches.apply()
    _modules.install()
    _quirks.install()
    plugins.register_builtin(PLUGIN_NAME, "quart_flask_patch.plugin")


install()
