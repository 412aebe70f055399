"""The engine: the one way a case changes state (core.py), who may fire what (origin.py), what a transition
writes besides its own rows (records.py: archive, service), and what a
notice's template sees (notice.py)."""

from .core import NUMBER_PLACEHOLDER, Engine, Outcome, Request
from .origin import CLOCK_ARTICLE, SYSTEM_ACTOR

__all__ = ["CLOCK_ARTICLE", "Engine", "NUMBER_PLACEHOLDER", "Outcome", "Request", "SYSTEM_ACTOR"]
