"""Answers to the router's enrollment questions, as the lab, its tests and the SCEP bench give
them (``router.cli(..., answers=...)`` and the lab's console take a function of the prompt).

``enrollment_answers(challenge)``: the challenge password (asked twice), ``yes`` to accepting
the CA certificate and to the router serial number in the subject, ``no`` to an IP address;
None (no answer: the caller cancels) for any other question.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["enrollment_answers"]


def enrollment_answers(challenge: str) -> Callable[[str], str | None]:
    def reply(prompt: str) -> str | None:
        if "Password" in prompt:
            return challenge
        if "accept this certificate" in prompt:
            return "yes"
        if "serial number" in prompt:
            return "yes"
        if "IP address" in prompt:
            return "no"
        return None

    return reply
