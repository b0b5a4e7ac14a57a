"""The parts of the app that never await (see :mod:`quart.sansio.app`)."""
