"""The LLM rewrite stage: providers, response store, prompts, guards, acceptance pipeline, loop.

* :mod:`~porter.llm.providers`: OpenAI-compatible chat completions and Anthropic Messages;
* :mod:`~porter.llm.store`: content-addressed record/replay of every exchange;
* :mod:`~porter.llm.prompts`: per-target prompts and the strict parser of answers;
* :mod:`~porter.llm.guards`: static rules per target;
* :mod:`~porter.llm.harness`: the checks, in order; :mod:`~porter.llm.executor`: runs candidates;
* :mod:`~porter.llm.loop`: rounds of candidates, the provenance report.

Nothing else in porter imports this package; it loads only for ``porter optimize``.
"""

from __future__ import annotations


def optimize(*args, **kwargs):
    """See :func:`porter.llm.loop.optimize`."""
    from porter.llm.loop import optimize as run

    return run(*args, **kwargs)


__all__ = ["optimize"]
