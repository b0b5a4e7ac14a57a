"""Quart: Flask's API with async/await, on ASGI."""

from __future__ import annotations

from . import json as json
from .app import Quart as Quart
from .config import Config as Config
from .ctx import after_this_request as after_this_request
from .ctx import copy_current_app_context as copy_current_app_context
from .ctx import copy_current_request_context as copy_current_request_context
from .ctx import has_app_context as has_app_context
from .ctx import has_request_context as has_request_context
from .globals import current_app as current_app
from .globals import g as g
from .globals import request as request
from .globals import session as session
from .helpers import abort as abort
from .helpers import make_response as make_response
from .helpers import redirect as redirect
from .helpers import send_file as send_file
from .helpers import send_from_directory as send_from_directory
from .helpers import stream_with_context as stream_with_context
from .helpers import url_for as url_for
from .json import jsonify as jsonify
from .signals import appcontext_popped as appcontext_popped
from .signals import appcontext_pushed as appcontext_pushed
from .signals import appcontext_tearing_down as appcontext_tearing_down
from .signals import before_render_template as before_render_template
from .signals import got_background_exception as got_background_exception
from .signals import got_request_exception as got_request_exception
from .signals import got_serving_exception as got_serving_exception
from .signals import message_flashed as message_flashed
from .signals import request_finished as request_finished
from .signals import request_started as request_started
from .signals import request_tearing_down as request_tearing_down
from .signals import template_rendered as template_rendered
from .typing import ResponseReturnValue as ResponseReturnValue
from .wrappers import Request as Request
from .wrappers import Response as Response

__version__ = "0.1.0"
