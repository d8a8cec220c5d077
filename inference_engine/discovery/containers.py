"""Which catalogue adapter a SageMaker container speaks, from its image, environment and model data.

Detection weighs evidence instead of taking the first pattern that matches: every signal (the image repository,
its tag, environment variables the model server reads, where the model data comes from) votes for a format with a
weight, and the formats are ranked by their total. The ranking is also the order a probe tries them in, and each
vote is reported as a reason, so the admin sees why.

Real images this knows (account ``763104351884`` hosts the AWS Deep Learning Containers):
``huggingface-pytorch-tgi-inference:2.4.0-tgi2.3.1-gpu-py311-cu124-ubuntu22.04`` (Hugging Face TGI),
``djl-inference:0.31.0-lmi13.0.0-cu124`` (DJL Serving LMI), ``vllm:0.10.2-gpu-py312-cu128-ubuntu22.04-sagemaker`` and
``vllm/vllm-openai`` (vLLM's OpenAI-compatible server), ``huggingface-pytorch-inference`` (the Hugging Face inference
toolkit, TGI's body without streaming), SGLang, and the embedding / Triton images that do not generate text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from inference_engine.discovery.models import Confidence, Detection

SAGEMAKER_FORMATS = ("tgi", "djl-lmi", "openai-chat", "jumpstart-llama2-chat")
_SECRET_KEY = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_?KEY", re.IGNORECASE)
REDACTED = "(redacted)"


@dataclass(frozen=True)
class ImageRule:
    """A repository name pattern: the format it points to, how strongly, what the image is and where its tag says
    the server's version."""

    pattern: re.Pattern[str]
    format: str | None  # None: a known image that does not generate text (embeddings, Triton)
    weight: int
    family: str
    version: re.Pattern[str] | None = None


_TGI_VERSION = re.compile(r"tgi(\d+(?:\.\d+)+)")
_LMI_VERSION = re.compile(r"lmi(\d+(?:\.\d+)+)")
_LEADING_VERSION = re.compile(r"^v?(\d+(?:\.\d+)+)")
IMAGE_RULES: tuple[ImageRule, ...] = (
    ImageRule(re.compile(r"huggingface-pytorch-tgi-inference"), "tgi", 5, "Hugging Face TGI", _TGI_VERSION),
    ImageRule(
        re.compile(r"text-generation-inference|(^|[-_/])tgi([-_/]|$)"), "tgi", 4, "Hugging Face TGI", _TGI_VERSION
    ),
    ImageRule(
        re.compile(r"djl-inference|djl-serving|djl-lmi|(^|[-_/])lmi([-_/]|$)"),
        "djl-lmi",
        5,
        "DJL Serving LMI",
        _LMI_VERSION,
    ),
    ImageRule(re.compile(r"vllm"), "openai-chat", 5, "vLLM (OpenAI-compatible)", _LEADING_VERSION),
    ImageRule(re.compile(r"sglang"), "openai-chat", 4, "SGLang (OpenAI-compatible)", _LEADING_VERSION),
    ImageRule(re.compile(r"huggingface-pytorch-inference"), "tgi", 2, "Hugging Face inference toolkit"),
    ImageRule(
        re.compile(r"(^|[-_/])tei([-_/]|$)|text-embeddings-inference"), None, 5, "Hugging Face text embeddings (TEI)"
    ),
    ImageRule(re.compile(r"tritonserver"), None, 3, "NVIDIA Triton"),
)


@dataclass(frozen=True)
class Image:
    uri: str
    repository: str  # the last path segment of the repository, e.g. "huggingface-pytorch-tgi-inference"
    tag: str | None

    @classmethod
    def parse(cls, uri: str) -> Image:
        name, _, digest = uri.partition("@")
        path = name.split("/", 1)[1] if "/" in name and "." in name.split("/", 1)[0] else name
        repository, _, tag = path.rpartition(":") if ":" in path.rsplit("/", 1)[-1] else (path, "", "")
        return cls(uri=uri, repository=repository.rsplit("/", 1)[-1] or repository, tag=tag or digest or None)

    @property
    def full_repository(self) -> str:
        name = self.uri.partition("@")[0]
        return name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name


def redact(environment: Mapping[str, str]) -> dict[str, str]:
    """The environment with the values of secret-looking keys (HF_TOKEN, ...) replaced."""
    return {key: REDACTED if _SECRET_KEY.search(key) else value for key, value in environment.items()}


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _image_votes(image: Image) -> tuple[list[tuple[str, int, str]], str | None, str | None]:
    """One vote per format from the image (the strongest rule that names it), the server family, and the family of
    an image that does not generate text."""
    repository = image.full_repository.lower()
    matching = sorted((r for r in IMAGE_RULES if r.pattern.search(repository)), key=lambda r: -r.weight)
    if not matching:
        return [], None, None
    best = matching[0]
    version = best.version.search(image.tag or "") if best.version else None
    family = f"{best.family} {version.group(1)}" if version else best.family
    if best.format is None:
        return [], family, best.family
    votes: dict[str, int] = {}
    for rule in matching:
        if rule.format is not None and rule.format not in votes:
            votes[rule.format] = rule.weight
    return (
        [(fmt, weight, f"image repository {image.repository}: {family}") for fmt, weight in votes.items()],
        family,
        None,
    )


def _environment_votes(environment: Mapping[str, str]) -> list[tuple[str, int, str]]:
    votes: list[tuple[str, int, str]] = []
    if _truthy(environment.get("MESSAGES_API_ENABLED")):
        votes.append(("openai-chat", 6, "MESSAGES_API_ENABLED: TGI serves the OpenAI Messages API on /invocations"))
    tgi_keys = sorted(
        k for k in ("SM_NUM_GPUS", "MAX_INPUT_LENGTH", "MAX_INPUT_TOKENS", "MAX_TOTAL_TOKENS") if k in environment
    )
    if tgi_keys:
        votes.append(("tgi", 2, f"TGI launcher settings ({', '.join(tgi_keys)})"))
    option_keys = sorted(k for k in environment if k.startswith("OPTION_"))
    if option_keys:
        votes.append(("djl-lmi", 3, f"DJL Serving options ({', '.join(option_keys[:3])})"))
        if environment.get("OPTION_ROLLING_BATCH", "").lower() in {"vllm", "lmi-dist", "trtllm"}:
            votes.append(("openai-chat", 1, "LMI rolling batch also accepts OpenAI chat completions"))
    vllm_keys = sorted(k for k in environment if k.startswith(("SM_VLLM_", "VLLM_")))
    if vllm_keys:
        votes.append(("openai-chat", 3, f"vLLM settings ({', '.join(vllm_keys[:3])})"))
    return votes


def _model_data_votes(model_data_url: str | None) -> list[tuple[str, int, str]]:
    url = (model_data_url or "").lower()
    if "jumpstart" in url and "llama-2" in url and re.search(r"llama-2-\d+b-f|-chat", url):
        # JumpStart's package brings its own inference script, which replaces the server's request format
        return [("jumpstart-llama2-chat", 8, "model data from SageMaker JumpStart's Llama 2 chat (dialog format)")]
    return []


def _confidence(score: int) -> Confidence:
    if score >= 5:
        return "high"
    if score >= 3:
        return "medium"
    return "low" if score > 0 else "none"


def detect(image_uri: str | None, environment: Mapping[str, str], model_data_url: str | None = None) -> Detection:
    """Rank the SageMaker catalogue formats for one container (``environment`` unredacted)."""
    image = Image.parse(image_uri) if image_uri else None
    image_votes, family, not_text = _image_votes(image) if image is not None else ([], None, None)
    scores: dict[str, int] = defaultdict(int)
    reasons: list[tuple[int, str]] = []
    for fmt, weight, reason in (*image_votes, *_environment_votes(environment), *_model_data_votes(model_data_url)):
        scores[fmt] += weight
        reasons.append((weight, f"{reason} ({fmt})"))
    if not_text is not None and not scores:
        return Detection(
            format=None,
            confidence="high",
            family=family,
            reasons=[f"image repository {image.repository if image else '?'}: {not_text} does not generate text"],
            candidates=[],
            supported=False,
        )
    ranked = sorted(scores, key=lambda fmt: (-scores[fmt], SAGEMAKER_FORMATS.index(fmt)))
    top = ranked[0] if ranked else None
    candidates = [*ranked, *(fmt for fmt in SAGEMAKER_FORMATS if fmt not in ranked)]
    return Detection(
        format=top,
        confidence=_confidence(scores[top] if top else 0),
        family=family,
        reasons=[reason for _, reason in sorted(reasons, key=lambda item: -item[0])]
        or ["nothing in the image, environment or model data points to a known format"],
        candidates=candidates,
    )


def context_limits(environment: Mapping[str, str]) -> dict[str, int]:
    """Token limits the model server was started with, as ``constraints`` fields."""
    limits: dict[str, int] = {}
    for key, field in (
        ("MAX_TOTAL_TOKENS", "max_total_tokens"),
        ("OPTION_MAX_MODEL_LEN", "max_total_tokens"),
        ("SM_VLLM_MAX_MODEL_LEN", "max_total_tokens"),
        ("MAX_INPUT_TOKENS", "max_input_tokens"),
        ("MAX_INPUT_LENGTH", "max_input_tokens"),
    ):
        value = environment.get(key, "")
        if value.isdigit() and 0 < int(value) <= 10_000_000 and field not in limits:
            limits[field] = int(value)
    return limits
