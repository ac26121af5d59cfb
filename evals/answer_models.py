"""The answerer's models, fitted on searched tuning questions: the unit ranking model, the
abstention model and the thresholds (`python -m evals fit` runs them; see `evals.fit`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from evals.metrics import answer_correct, normalise
from retrieval.abstention import QUESTION_FEATURES
from retrieval.features import UNIT_FEATURES
from retrieval.scoring import Weights

FALSE_ABSTENTION_LIMIT = 0.05
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(2, 20))
COMPANIONS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
NULL = Weights(unit={}, unit_bias=0.0, abstain={}, abstain_bias=0.0)


@dataclass
class Case:
    """One tuning question with its search result, ready to be answered again and again."""

    question: dict[str, Any]
    asked: str  # the standalone question the answerer sees
    result: Any
    catalog: Any


def label_of(unit, question: Mapping[str, Any]) -> float:
    """The share of the gold answer groups the unit shows (0 for an unanswerable question)."""
    groups = question.get("answers") or []
    if question.get("unanswerable") or not groups:
        return 0.0
    shown = normalise(f"{unit.evidence}\n{unit.chunk.lead if unit.is_row else ''}")
    met = sum(any(normalise(alt) in shown for alt in group) for group in groups)
    return met / len(groups)


@dataclass
class TuningSet:
    """One question file's tuning questions and a retriever over its own index."""

    name: str
    questions: list[dict[str, Any]]
    base: Any  # a HybridRetriever; variants share its store and embedder

    def retriever(self, **constants):
        from retrieval.hybrid import HybridRetriever

        base = self.base
        return HybridRetriever(base.store, base.embedder, base.lexical_dir, **constants)


def _fit_logistic(rows, names, labels, sample_weight, balanced, c: float = 1.0):
    from sklearn.linear_model import LogisticRegression

    x = [[row.get(n, 0.0) for n in names] for row in rows]
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced" if balanced else None)
    model.fit(x, labels, sample_weight=sample_weight)
    coef = {n: round(float(w), 4) for n, w in zip(names, model.coef_[0], strict=True)}
    return coef, round(float(model.intercept_[0]), 4)


REGULARISATION = (0.3, 3.0, 30.0, 300.0)


def _top1(groups, coef, bias) -> float:
    """Share of questions with a gold unit whose best-scored unit shows as much of the answer
    as any unit does."""
    hits = total = 0
    for rows, labels in groups:
        if not any(labels):
            continue
        total += 1
        scores = [bias + sum(coef[n] * r.get(n, 0.0) for n in coef) for r in rows]
        hits += labels[max(range(len(rows)), key=scores.__getitem__)] == max(labels)
    return hits / max(total, 1)


def _pairs(groups, hardest: int = 25):
    """Pairwise differences (best unit − lesser unit) within each question, for a ranking
    objective: the model learns which of two units of one question answers more of it. The
    lesser units are those most like a best one on the question's words (the hard ones)."""
    rows, labels, weights = [], [], []
    for features, gold in groups:
        top = max(gold, default=0.0)
        if top <= 0:
            continue
        pos = [f for f, y in zip(features, gold, strict=True) if y == top]
        neg = [f for f, y in zip(features, gold, strict=True) if y < top]
        if not pos or not neg:
            continue
        neg = sorted(neg, key=lambda f: -f.get("coverage", 0.0))[:hardest]
        share = 1.0 / (len(pos) * len(neg))
        for p in pos:
            for n in neg:
                diff = {k: p.get(k, 0.0) - n.get(k, 0.0) for k in UNIT_FEATURES}
                rows += [diff, {k: -v for k, v in diff.items()}]
                labels += [1, 0]
                weights += [share, share]
    return rows, labels, weights


def _pointwise(groups):
    rows = [r for g in groups for r in g[0]]
    labels = [int(y > 0) for g in groups for y in g[1]]
    weights = [1.0 / len(g[0]) for g in groups for _ in g[0]]
    return rows, labels, weights


def _fit(groups, objective: str, c: float):
    from sklearn.linear_model import LogisticRegression

    rows, labels, weights = (_pairs if objective == "pairwise" else _pointwise)(groups)
    x = [[row.get(n, 0.0) for n in UNIT_FEATURES] for row in rows]
    model = LogisticRegression(C=c, max_iter=5000, fit_intercept=objective != "pairwise")
    model.fit(x, labels, sample_weight=weights)
    coef = {n: round(float(w), 4) for n, w in zip(UNIT_FEATURES, model.coef_[0], strict=True)}
    bias = round(float(model.intercept_[0]), 4) if objective != "pairwise" else 0.0
    return coef, bias


def fit_unit_model(cases: Sequence[Case], echo=print) -> tuple[dict[str, float], float, int]:
    """The unit model: a ranking (pairwise) or a pointwise logistic regression, whichever ranks
    a gold unit first more often, its regularisation chosen by 5-fold cross-validation over
    questions."""
    from retrieval.extractive import ExtractiveAnswerer

    answerer = ExtractiveAnswerer(NULL)
    groups = []
    for case in cases:
        analysis = answerer.analyse(case.asked, case.result, case.catalog)
        if analysis.units:
            rows = [u.features for u in analysis.units]
            groups.append((rows, [label_of(u, case.question) for u in analysis.units]))
    folds = [groups[i::5] for i in range(5)]
    best = (-1.0, "pairwise", 1.0)
    for objective in ("pairwise", "pointwise"):
        for c in REGULARISATION:
            score = 0.0
            for k, test in enumerate(folds):
                train = [g for j, fold in enumerate(folds) if j != k for g in fold]
                coef, bias = _fit(train, objective, c)
                score += _top1(test, coef, bias) / len(folds)
            echo(f"unit model {objective} C={c}: cross-validated top-1 {score:.3f}")
            if score > best[0]:
                best = (score, objective, c)
    _, objective, c = best
    coef, bias = _fit(groups, objective, c)
    return coef, bias, sum(len(g[0]) for g in groups)


def _abstention_rows(cases: Sequence[Case], weights: Weights) -> tuple[list, list[int]]:
    from retrieval.extractive import ExtractiveAnswerer

    answerer = ExtractiveAnswerer(weights)
    rows, labels = [], []
    for case in cases:
        analysis = answerer.analyse(case.asked, case.result, case.catalog)
        rows.append(analysis.question_features)
        labels.append(int(bool(case.question.get("unanswerable"))))
    return rows, labels


def fit_abstention_model(cases: Sequence[Case], weights: Weights) -> tuple[dict[str, float], float]:
    rows, labels = _abstention_rows(cases, weights)
    return _fit_logistic(rows, QUESTION_FEATURES, labels, None, balanced=True)


def out_of_fold_abstention(cases: Sequence[Case], weights: Weights) -> list[float]:
    """Each case's abstention probability from a model fitted without its fold (5 folds): the
    thresholds are chosen on these, since on the model's own fitting data it looks surer of
    itself than it is on new questions."""
    rows, labels = _abstention_rows(cases, weights)
    out = [0.0] * len(rows)
    for k in range(5):
        train = [i for i in range(len(rows)) if i % 5 != k]
        if len({labels[i] for i in train}) < 2:
            continue  # a fold without both kinds of question: keep the in-sample model
        coef, bias = _fit_logistic(
            [rows[i] for i in train],
            QUESTION_FEATURES,
            [labels[i] for i in train],
            None,
            balanced=True,
        )
        fold = replace(weights, abstain=coef, abstain_bias=bias)
        for i in range(k, len(rows), 5):
            out[i] = fold.abstain_probability(rows[i])
    for i, p in enumerate(out):
        if not p:
            out[i] = weights.abstain_probability(rows[i])
    return out


TYPED_FLOORS = (0.0, 0.2, 0.3, 0.4, 0.5)


def _grades(cases: Sequence[Case], weights: Weights) -> list[tuple]:
    """Per case: its abstention inputs (the probability out of fold), whether it is
    unanswerable, and for each companion share whether the composed (not abstained) answer is
    right."""
    from retrieval.extractive import ExtractiveAnswerer

    answerer = ExtractiveAnswerer(weights)
    held_out_p = out_of_fold_abstention(cases, weights)
    out = []
    for case, p in zip(cases, held_out_p, strict=True):
        analysis = answerer.analyse(case.asked, case.result, case.catalog)
        right = {}
        for companion in COMPANIONS:
            trial = replace(weights, companion=companion)
            answer = answerer.compose(case.asked, analysis, case.result, case.catalog, trial)
            right[companion] = bool(answer_correct(case.question, answer.to_dict()))
        unanswerable = bool(case.question.get("unanswerable"))
        found = bool(analysis.ranked)
        out.append((analysis.question_features, p, found, unanswerable, right))
    return out


def _rates(grades, weights: Weights) -> tuple[float, float]:
    """(answer accuracy, false-abstention rate) with these thresholds."""
    right = false = answerable = 0
    for features, p, found, unanswerable, composed in grades:
        abstains = not found or weights.abstains(features, p)
        if unanswerable:
            right += abstains
        else:
            answerable += 1
            false += abstains
            right += (not abstains) and composed[weights.companion]
    return right / max(len(grades), 1), false / max(answerable, 1)


def choose_thresholds(cases: Sequence[Case], weights: Weights, echo=print) -> tuple[Weights, tuple]:
    """The abstention threshold, the typed floor and the companion share of best tuning
    accuracy with at most 5% false abstention; returns the weights and (accuracy, false)."""
    grades = _grades(cases, weights)
    best = None
    for companion in COMPANIONS:
        for floor in TYPED_FLOORS:
            for threshold in (*THRESHOLDS, 1.01):
                trial = replace(
                    weights, abstain_threshold=threshold, companion=companion, typed_floor=floor
                )
                acc, false = _rates(grades, trial)
                if false <= FALSE_ABSTENTION_LIMIT and (best is None or acc > best[0][0]):
                    best = ((acc, false), trial)
    (acc, false), chosen = best
    echo(
        f"chose abstain threshold {chosen.abstain_threshold}, typed floor {chosen.typed_floor}, "
        f"companion {chosen.companion}: tuning accuracy {acc:.3f}"
    )
    return chosen, (acc, false)


def fit_answerer(cases: Sequence[Case], echo=print) -> tuple[Weights, tuple[float, float], int]:
    """The unit model, the abstention model and the thresholds, on these searched cases."""
    unit, unit_bias, units = fit_unit_model(cases, echo)
    weights = replace(NULL, unit=unit, unit_bias=unit_bias)
    abstain, abstain_bias = fit_abstention_model(cases, weights)
    weights = replace(weights, abstain=abstain, abstain_bias=abstain_bias)
    weights, rates = choose_thresholds(cases, weights, echo)
    return weights, rates, units
