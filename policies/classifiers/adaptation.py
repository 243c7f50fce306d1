"""Adapt MiniLM to the comments it will judge before fine-tuning it (training only).

A masked-language-model pass: some tokens of each text are hidden and the encoder learns
to guess them back. No label is read, so the encoder learns the words and spelling of web
comments and chat (the insults train split's texts and the unlabelled comments) before it
learns what abuse is. all-MiniLM-L6-v2 ships without its masked-word head; a fresh one is
trained alongside and thrown away.

torch and transformers are imported inside the function: serving never loads them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# The share of tokens hidden in each text, as in BERT's pre-training.
MASKED_SHARE = 0.15
BATCH_SIZE = 32
LEARNING_RATE = 5e-5


def adapt_encoder(
    source: Path,
    texts: Sequence[str],
    target: Path,
    *,
    epochs: int,
    max_length: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Run masked-language-model passes over ``texts`` and save the encoder in ``target``.

    Only the hidden tokens' guesses are scored, and the vocabulary-sized output layer runs
    on those tokens alone: on two cores that is most of the cost of a step saved, with the
    same loss as scoring every position.

    Args:
        source: The folder of a packaged BERT encoder (MiniLM) and its tokenizer.
        texts: Folded texts, none of them held out for evaluation.
        target: Where the adapted encoder and its tokenizer are written.
        epochs: Passes over ``texts``.
        max_length: Tokens kept per text.
        seed: Fixes which tokens are hidden and the order of the batches.
        progress: Called with the number of texts done after each step.

    Returns:
        ``target``, loadable as the encoder to fine-tune.
    """
    import torch  # noqa: PLC0415 - training only
    from transformers import (  # noqa: PLC0415 - training only
        AutoTokenizer,
        BertForMaskedLM,
        DataCollatorForLanguageModeling,
        logging,
    )

    from policies.classifiers.finetune import seed_everything  # noqa: PLC0415

    seed_everything(seed)
    logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    model: Any = BertForMaskedLM.from_pretrained(str(source))
    hide = DataCollatorForLanguageModeling(tokenizer, mlm_probability=MASKED_SHARE)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    order_rng = np.random.default_rng(seed)
    model.train()
    for _ in range(epochs):
        order = order_rng.permutation(len(texts))
        for start in range(0, len(order), BATCH_SIZE):
            chosen = order[start : start + BATCH_SIZE]
            ids = tokenizer([texts[i] for i in chosen], truncation=True, max_length=max_length)[
                "input_ids"
            ]
            batch = hide([{"input_ids": one} for one in ids])
            hidden = model.bert(
                input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
            ).last_hidden_state
            scored = batch["labels"] != -100
            # A batch of a few short texts can come out with nothing hidden: no step then.
            if bool(scored.any()):
                guesses = model.cls(hidden[scored])
                loss: Any = torch.nn.functional.cross_entropy(guesses, batch["labels"][scored])
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
            if progress is not None:
                progress(len(chosen))
    model.eval()
    target.mkdir(parents=True, exist_ok=True)
    model.bert.save_pretrained(str(target))
    tokenizer.save_pretrained(str(target))
    return target
