"""The embedding matcher: WordLlama's static token embeddings, cosine similarity of sentences.

WordLlama (MIT, https://github.com/dleemiller/WordLlama) ships its 256-dimension "l2_supercat"
weights and tokenizer inside its PyPI wheel. Its own `WordLlama.load()` looks for the tokenizer
in the wrong folder of the installed package and then tries to download it, so this module opens
the two packaged files itself: nothing is ever downloaded.
"""

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"


class EmbeddingUnavailable(Exception):
    """The wordllama package, or one of its packaged files, is not installed."""


@cache
def model() -> Any:
    """The WordLlama model, from the files inside the installed package (loaded once)."""
    try:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
        from wordllama.inference import WordLlamaInference
    except ImportError as missing:
        raise EmbeddingUnavailable(str(missing)) from missing
    package = Path(wordllama.__file__).parent
    weights, tokenizer = package / WEIGHTS, package / TOKENIZER
    if not weights.exists() or not tokenizer.exists():
        raise EmbeddingUnavailable(f"wordllama's packaged model is missing from {package}")
    with safe_open(str(weights), framework="np", device="cpu") as f:
        embedding = f.get_tensor("embedding.weight")
    return WordLlamaInference(embedding, Tokenizer.from_file(str(tokenizer)))


def scores(key_points: Sequence[str], sentences: Sequence[str]) -> list[list[float]]:
    """scores[k][s]: cosine similarity of key point k and sentence s (-1 to 1)."""
    if not key_points or not sentences:
        return [[] for _ in key_points]
    wl = model()
    vectors = wl.embed(list(key_points) + list(sentences), norm=True)
    points, found = vectors[: len(key_points)], vectors[len(key_points) :]
    return (points @ found.T).tolist()
