"""``SyncAstrocyte.knowledge``: the knowledge API for synchronous code, each call blocking until done."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from astrocyte.knowledge.service import KnowledgeService

P = ParamSpec("P")
T = TypeVar("T")

Runner = Callable[[Coroutine[Any, Any, Any]], Any]


def _blocking(
    method: Callable[Concatenate[KnowledgeService, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[SyncKnowledge, P], T]:
    def call(facade: SyncKnowledge, /, *args: P.args, **kwargs: P.kwargs) -> T:
        result: T = facade._run(method(facade._service(), *args, **kwargs))
        return result

    call.__name__ = method.__name__
    call.__qualname__ = f"SyncKnowledge.{method.__name__}"
    call.__doc__ = method.__doc__
    return call


class SyncKnowledge:
    """The methods of :class:`KnowledgeService`, run on the blocking facade's event loop."""

    def __init__(self, run: Runner, service: Callable[[], KnowledgeService]) -> None:
        self._run = run
        self._service = service

    train = _blocking(KnowledgeService.train)
    activate = _blocking(KnowledgeService.activate)
    forward = _blocking(KnowledgeService.forward)
    reward = _blocking(KnowledgeService.reward)
    tune = _blocking(KnowledgeService.tune)
    export = _blocking(KnowledgeService.export)
    delete = _blocking(KnowledgeService.delete)
    attach = _blocking(KnowledgeService.attach)
    artifacts = _blocking(KnowledgeService.artifacts)
    spaces = _blocking(KnowledgeService.spaces)


__all__ = ["SyncKnowledge"]
