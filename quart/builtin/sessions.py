"""Built-in plugin: signed-cookie sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..hookspecs import hookimpl
from ..sessions import SecureCookieSessionInterface

if TYPE_CHECKING:
    from ..app import Quart
    from ..sessions import SessionInterface


@hookimpl(trylast=True)
def quart_session_interface(app: Quart) -> SessionInterface:
    """The default: sessions in a cookie signed with ``SECRET_KEY``."""
    return SecureCookieSessionInterface()
