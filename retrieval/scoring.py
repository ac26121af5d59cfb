"""The scorer: one named record of fitted weights, read from `retrieval/weights.json`.

A unit's probability of answering is a logistic function of its features; whether to abstain is
a second logistic function of the question's features, against a threshold. The weights and
thresholds are fitted on the tuning part of the question sets by `python -m evals fit`, never
set by hand; the record names the command, the date and the questions it was fitted on.

>>> weights = Weights.load()
>>> weights.unit_probability({"coverage": 1.0})  # doctest: +SKIP
0.62
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from retrieval.abstention import QUESTION_FEATURES
from retrieval.features import UNIT_FEATURES

WEIGHTS_FILE = Path(__file__).with_name("weights.json")


class WeightsError(ValueError):
    """The weights file is missing, malformed, or fitted on other features than the code has."""


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@dataclass(frozen=True)
class Weights:
    """Fitted weights of the unit model and the abstention model, and the selection thresholds."""

    unit: dict[str, float]
    unit_bias: float
    abstain: dict[str, float]
    abstain_bias: float
    abstain_threshold: float = 0.5  # abstain when the abstention probability is at least this
    companion: float = 0.8  # a further unit joins the answer at this share of the best's score
    # A typed question ("when", "how much", "who is the officer") whose best passage of the
    # wanted kind covers less of it than this is not answered.
    typed_floor: float = 0.0
    # The hybrid retriever's fusion constants (rrf_k, dense_weight, paper_weight, context_chars)
    # and the stages that earned their place on the tuning part.
    retrieval: dict[str, Any] = field(default_factory=dict)
    fitted: dict[str, Any] = field(default_factory=dict)  # how, when and on what

    def unit_probability(self, features: Mapping[str, float]) -> float:
        return _logistic(
            self.unit_bias + sum(w * features.get(k, 0.0) for k, w in self.unit.items())
        )

    def abstain_probability(self, features: Mapping[str, float]) -> float:
        x = self.abstain_bias + sum(w * features.get(k, 0.0) for k, w in self.abstain.items())
        return _logistic(x)

    def abstains(self, features: Mapping[str, float], probability: float) -> bool:
        """Whether to say the papers do not answer. Two facts hold whatever the fit: a question
        naming something the papers never mention, or asking what happened at a meeting after
        every paper found, cannot be answered from them."""
        if features.get("named_unknown") or features.get("after_papers"):
            return True
        if features.get("wants_type") and features.get("typed_coverage", 1.0) < self.typed_floor:
            return True
        return probability >= self.abstain_threshold

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "weights") -> Weights:
        try:
            weights = cls(**data)
        except TypeError as exc:
            raise WeightsError(f"{where} is not a weights record ({exc}).") from None
        unknown = (set(weights.unit) - set(UNIT_FEATURES)) | (
            set(weights.abstain) - set(QUESTION_FEATURES)
        )
        if unknown:
            raise WeightsError(
                f"{where} weighs features the code does not compute: {', '.join(sorted(unknown))}; "
                "refit with `python -m evals fit`."
            )
        return weights

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> Weights:
        return _load(str(path))


@functools.cache
def _load(path: str) -> Weights:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsError(
            f"{path} cannot be read ({exc}); refit with `python -m evals fit`."
        ) from None
    return Weights.from_dict(data, path)
