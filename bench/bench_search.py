"""Benchmark: question search on a 10,000-question bank, through the browse view's code path.

Run from the repository root:  .venv/bin/python bench/bench_search.py
It creates a database `bench_search` on the same server as DATABASE_URL (or the private dev
server), migrates it, generates a bank of varied ML text with bulk_create, runs ~200 searches the
way /questions/ does (search + filters, the paginator's count, the first page of 20), prints
p50/p95/max, and drops the database. Target: p95 under 50 ms.
"""

import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QUESTIONS, in_process  # noqa: E402
from bench.scratch import percentile  # noqa: E402

DB_NAME = "bench_search"
TARGET_P95_MS = 50.0
SEED = 20260101

# Vocabulary ------------------------------------------------------------------------------------
# Concepts are drawn with Zipf-like weights, so a few are everywhere (like "gradient descent" in a
# real bank) and most are rare: searches then see realistic selectivity, from a handful of rows
# to most of the table.

CONCEPTS = """
gradient descent|stochastic gradient descent|learning rate|learning rate schedule|batch
normalization|layer normalization|dropout|overfitting|underfitting|regularization|L1
regularization|L2 regularization|cross-validation|precision|recall|F1 score|ROC curve|PR-AUC|
confusion matrix|logistic regression|linear regression|decision tree|random forest|gradient
boosting|XGBoost|support vector machine|kernel trick|k-means|hierarchical clustering|DBSCAN|
principal component analysis|t-SNE|UMAP|autoencoder|variational autoencoder|generative
adversarial network|transformer|self-attention|multi-head attention|positional encoding|
tokenization|byte-pair encoding|word embeddings|word2vec|BERT|GPT|fine-tuning|transfer learning|
prompt engineering|retrieval-augmented generation|vector database|hallucination|RLHF|
convolutional neural network|pooling layer|residual connection|recurrent neural network|LSTM|
vanishing gradients|exploding gradients|backpropagation|activation function|ReLU|sigmoid|softmax|
cross-entropy loss|mean squared error|hinge loss|Adam optimizer|momentum|weight decay|early
stopping|data augmentation|class imbalance|SMOTE|feature scaling|one-hot encoding|target
encoding|missing values|imputation|outliers|feature selection|feature engineering|data leakage|
train-test split|stratified sampling|bias-variance trade-off|ensemble methods|bagging|boosting|
stacking|hyperparameter tuning|grid search|Bayesian optimization|model drift|concept drift|data
drift|model monitoring|feature store|model registry|A/B testing|canary deployment|shadow
deployment|batch inference|online inference|latency|throughput|model compression|quantization|
knowledge distillation|pruning|GPU utilization|distributed training|data parallelism|model
parallelism|fairness|explainability|SHAP values|LIME|differential privacy|model cards|
recommendation system|collaborative filtering|matrix factorization|cold start|ranking metrics|
NDCG|time series forecasting|ARIMA|seasonality|anomaly detection|reinforcement learning|
Q-learning|policy gradient|Markov decision process|naive Bayes|k-nearest neighbours|curse of
dimensionality|maximum likelihood|Bayesian inference|prior distribution|calibration|Platt
scaling|contrastive learning|self-supervised learning|semi-supervised learning|active learning|
label noise|knowledge graph|named entity recognition|sentiment analysis|object detection|image
segmentation|beam search|perplexity|BLEU score|embedding drift|feature importance|partial
dependence|p-value|hypothesis testing|confidence interval|bootstrap|central limit theorem|
gradient clipping|mixed precision|checkpointing|data versioning|CI/CD for models|
idempotent pipelines|schema validation|training-serving skew|label leakage|sampling bias
""".replace("\n", " ")
CONCEPTS_LIST = [c.strip() for c in CONCEPTS.split("|") if c.strip()]
NOUNS = (
    "weights", "features", "labels", "loss", "gradients", "predictions", "samples", "batches",
    "parameters", "embeddings", "tokens", "logits", "thresholds", "residuals", "clusters",
    "layers", "neurons", "datasets", "pipelines", "metrics", "validation set", "test set",
    "baseline", "users", "requests", "budget", "latency", "dashboards", "alerts",
)  # fmt: skip
VERBS = (
    "controls", "stabilises", "amplifies", "smooths", "biases", "constrains", "shifts",
    "reduces", "inflates", "hides", "exposes", "normalises", "rescales", "penalises",
    "regularises", "speeds up", "slows down",
)  # fmt: skip
ADJECTIVES = (
    "noisy", "sparse", "skewed", "imbalanced", "high-dimensional", "correlated", "stale",
    "unlabelled", "expensive", "robust", "brittle", "calibrated", "interpretable", "scalable",
)  # fmt: skip
SYMPTOMS = [
    "a validation loss that rises after a few epochs",
    "training accuracy near 100% but poor test accuracy",
    "predictions that drift week by week",
    "a sudden drop in recall for one segment",
    "NaN losses after a learning-rate change",
    "latency spikes under load",
    "great offline metrics but no lift in the A/B test",
]
TITLES = [
    "What is {a}?",
    "{A} versus {b}",
    "When to use {a}",
    "How {a} affects {b}",
    "Debugging {a} in production",
    "Explain {a} to a product manager",
    "Designing a system around {a}",
    "Implementing {a} from scratch",
    "The trade-offs of {a}",
    "{A} and {b} in practice",
]
PROMPTS = [
    "Explain how {a} works and why it matters for {b}.",
    "A model trained with {a} shows {symptom}. What would you check first, and why?",
    "Compare {a} with {b}: when does each one fail, and how would you notice?",
    "Walk me through {a} on a dataset with {adj} {noun}.",
    "Your team wants to add {a} to a pipeline that already uses {b}. What do you ask first?",
]
SENTENCES = [
    "{A} {verb} the {noun} because the {noun2} are {adj}.",
    "In practice, {a} interacts with {b}: tune one and the other moves.",
    "A common mistake is to apply {a} before the train-test split, which leaks information.",
    "Measure the effect on the {noun} with a held-out set, not with the training {noun2}.",
    "With {adj} {noun}, {a} is usually the first thing to try, then {b}.",
    "The cost is extra {noun}; the benefit is {adj} {noun2} and fewer surprises in production.",
    "$L = -\\sum_i y_i \\log p_i$ shows why {a} penalises confident mistakes.",
    "If {b} is already in place, {a} adds little and can hide {adj} {noun}.",
    "Monitor {noun} and {noun2} after deployment, because {a} degrades silently.",
]


def weighted_concepts(rng: random.Random) -> tuple[list[str], list[float]]:
    concepts = CONCEPTS_LIST[:]
    rng.shuffle(concepts)
    return concepts, [1 / (rank + 1) ** 0.9 for rank in range(len(concepts))]


@dataclass
class Vocabulary:
    rng: random.Random
    concepts: list[str]
    weights: list[float]

    def concept(self) -> str:
        return self.rng.choices(self.concepts, self.weights)[0]

    def fill(self, template: str) -> str:
        a, b = self.concept(), self.concept()
        return template.format(
            a=a,
            A=a[0].upper() + a[1:],
            b=b,
            noun=self.rng.choice(NOUNS),
            noun2=self.rng.choice(NOUNS),
            verb=self.rng.choice(VERBS),
            adj=self.rng.choice(ADJECTIVES),
            symptom=self.rng.choice(SYMPTOMS),
        )


# The bank --------------------------------------------------------------------------------------


def generate_bank(count: int) -> None:
    from questions.models import Question, Topic
    from questions.models.bank import Kind, Level, Role, Status

    rng = random.Random(SEED)
    vocabulary = Vocabulary(rng, *weighted_concepts(rng))
    topics = Topic.objects.bulk_create(
        Topic(slug=f"topic-{n}", name=f"Topic {n}", position=n) for n in range(12)
    )
    statuses = [Status.PUBLISHED] * 18 + [Status.DRAFT, Status.RETIRED]
    batch = []
    for n in range(count):
        answer = "\n\n".join(
            " ".join(vocabulary.fill(rng.choice(SENTENCES)) for _ in range(rng.randint(2, 5)))
            for _ in range(rng.randint(3, 6))
        )
        if rng.random() < 0.2:
            answer += "\n\n```python\nmodel.fit(X_train, y_train)\nscore = model.score(X, y)\n```"
        batch.append(
            Question(
                topic=rng.choice(topics),
                slug=f"q-{n}",
                title=vocabulary.fill(rng.choice(TITLES))[:200],
                prompt=" ".join(vocabulary.fill(rng.choice(PROMPTS)) for _ in range(2)),
                kind=rng.choice(Kind.values),
                level=rng.choice(Level.values),
                roles=rng.sample(Role.values, rng.randint(1, 3)),
                tags=[vocabulary.concept().lower().replace(" ", "-")[:50] for _ in range(3)],
                answer=answer,
                key_points=[vocabulary.fill(rng.choice(SENTENCES)) for _ in range(4)],
                status=rng.choice(statuses),
                position=n,
            )
        )
        if len(batch) == 1000:
            Question.objects.bulk_create(batch)
            batch = []
    Question.objects.bulk_create(batch)


def searches() -> list[dict[str, str]]:
    """~200 searches like people make: words, phrases, half-typed words, filters, junk."""
    from questions.models.bank import Kind, Level, Role

    rng = random.Random(SEED + 1)
    concepts, weights = weighted_concepts(random.Random(SEED))
    words = sorted({w.strip("()").lower() for c in CONCEPTS_LIST for w in c.split() if len(w) > 3})
    result: list[dict[str, str]] = []
    for _ in range(50):
        result.append({"q": rng.choices(concepts, weights)[0].split()[0]})
    for _ in range(40):
        result.append({"q": rng.choice(concepts)})
    for _ in range(40):
        word = rng.choice(words)
        result.append({"q": word[: rng.randint(3, max(3, len(word) - 1))]})
    for _ in range(40):
        params = {"q": rng.choices(concepts, weights)[0]}
        if rng.random() < 0.6:
            params["topic"] = f"topic-{rng.randrange(12)}"
        if rng.random() < 0.5:
            params["level"] = rng.choice(Level.values)
        if rng.random() < 0.4:
            params["kind"] = rng.choice(Kind.values)
        if rng.random() < 0.4:
            params["role"] = rng.choice(Role.values)
        result.append(params)
    for _ in range(15):
        result.append({"topic": f"topic-{rng.randrange(12)}", "level": rng.choice(Level.values)})
    # The broad ones: a first letter, very common words, junk, the maximum length.
    for q in ["a", "re", "the", "model", "data", "training loss", "?!", "x" * 10_000, ""]:
        result.append({"q": q})
    return result


def run_search(params: dict[str, str], topics: list) -> tuple[int, int]:
    """What the browse view does for these parameters, minus the template."""
    from django.core.paginator import Paginator
    from django.http import QueryDict

    from questions.forms import QuestionFilterForm
    from questions.models import Question
    from questions.views.bank import PER_PAGE

    query = QueryDict(mutable=True)
    query.update(params)
    form = QuestionFilterForm(query, topics=topics)
    paginator = Paginator(Question.objects.browse(**form.criteria()), PER_PAGE)
    page = paginator.page(1)
    return paginator.count, len(list(page.object_list))


def main() -> int:
    return in_process(DB_NAME, measure)


def measure() -> int:
    from django.db import connection

    from questions.models import Question, Topic

    started = time.perf_counter()
    generate_bank(QUESTIONS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE questions_question")
    published = Question.objects.published().count()
    print(
        f"Generated {Question.objects.count()} questions ({published} published) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    topics = list(Topic.objects.only("slug", "name"))
    plan = searches()
    for params in plan:  # warm the caches and the connection once
        run_search(params, topics)
    timings = []
    for params in plan:
        started = time.perf_counter()
        count, shown = run_search(params, topics)
        timings.append(((time.perf_counter() - started) * 1000, count, params))
    millis = [t for t, _, _ in timings]
    p50, p95 = percentile(millis, 0.5), percentile(millis, 0.95)
    print(f"{len(plan)} searches: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(millis):.1f} ms")
    print(f"mean {statistics.mean(millis):.1f} ms; target p95 < {TARGET_P95_MS:.0f} ms")
    print("slowest:")
    for elapsed, count, params in sorted(timings, key=lambda t: t[0], reverse=True)[:5]:
        shown_params = {k: (v if len(v) <= 30 else v[:27] + "...") for k, v in params.items()}
        print(f"  {elapsed:6.1f} ms  {count:5} matches  {shown_params}")
    return 0 if p95 < TARGET_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
