"""Invoking an app's click commands in tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from click.testing import CliRunner
from click.testing import Result

from ..cli import ScriptInfo

if TYPE_CHECKING:
    import click

    from ..app import Quart


class QuartCliRunner(CliRunner):
    """A :class:`click.testing.CliRunner` bound to an app; made by
    :meth:`Quart.test_cli_runner <quart.Quart.test_cli_runner>`."""

    def __init__(self, app: Quart, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self,
        cli: click.Command | None = None,
        args: str | Sequence[str] | None = None,
        **kwargs: Any,
    ) -> Result:
        """Run ``cli`` (default: ``app.cli``) with ``args`` in isolation;
        commands load this app (a :class:`~quart.cli.ScriptInfo` is passed
        as ``obj`` unless one is given). Returns the click ``Result``."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)
