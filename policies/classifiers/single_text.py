"""BERT rewritten for tracing one text at a time: no padding, no mask (training only: torch).

Every Steward encoder runs each text alone (see
:meth:`policies.classifiers.encoder.OnnxEncoder.encode`), so its graph never sees more than
one text, a padded token or a masked one. transformers' BERT, traced as it is, still works
out each layer's head shapes from the input at run time (``Shape``, ``Gather``,
``Unsqueeze``, ``Concat`` before every ``Reshape``) and builds an additive mask from the
attention mask: about 200 of the 336 nodes ONNX Runtime runs per text in
multilingual-e5's six layers, each with a fixed cost. :func:`single_text_bert` computes
the same function with fixed head shapes and without a mask, from the model's own
submodules (the same weights, the same layer norms and activation).

The states stay two-dimensional, ``(tokens, hidden)``: with ``(1, tokens, hidden)`` ONNX
Runtime fuses the layer norms with the residual sums but multiplies by the int8 weights
more slowly, and multilingual-e5 took 1.79 ms a line instead of 1.40.

Measured on 2026-12-02 (one core with AVX-512 VNNI, int8, each bench chat line alone, the
quick models): multilingual-e5's six layers 1.40 ms a line against 1.99 ms as traced by
transformers; MiniLM's six 1.63 ms against 2.1; the first look 0.43 ms against 0.76, where
this export's first look also stopped a block earlier (see below).
In float the rewrite agrees with transformers to about 1e-7.

The graph's node names keep the model's module path, but both layer norms of a layer come
out as ``layer.N/output/LayerNorm`` (the second with ``_1``): the attention's output module
is called from the layer here. The first look's cut, found by that name until recipe 17,
stopped after the second layer's attention; it is now counted in blocks
(:func:`policies.classifiers.first_look_training.end_of_blocks`).
"""

from __future__ import annotations

from typing import Any


def single_text_bert(bert: Any) -> Any:
    """Return a module computing ``bert``'s last hidden states for one text without padding.

    The module's ``forward(vectors)`` takes the text's word vectors, shape ``(1, tokens,
    hidden)``, and returns its states, shape ``(tokens, hidden)``; ``words(ids)`` looks the
    vectors up from token ids, shape ``(1, tokens)``. Every token is attended to, positions
    count from 0 and the token type is the first one, as transformers' BERT computes a
    single unpadded sentence.

    Args:
        bert: A transformers ``BertModel`` in evaluation mode.

    Raises:
        ValueError: If the model is not a BERT with absolute positions (another
            architecture needs its own export).
    """
    import torch  # noqa: PLC0415 - training only

    config = bert.config
    # transformers 5 dropped the setting (BERT's positions are absolute); older configs had it.
    positions = getattr(config, "position_embedding_type", "absolute")
    if config.model_type != "bert" or positions != "absolute":
        raise ValueError(
            f"a {config.model_type} model with {positions} positions "
            "is not a BERT with absolute positions"
        )
    heads = int(config.num_attention_heads)
    hidden = int(config.hidden_size)
    width = hidden // heads

    def by_head(states: Any) -> Any:
        """(tokens, hidden) to (heads, tokens, width), with shapes fixed in the graph."""
        return states.reshape(-1, heads, width).transpose(0, 1)

    class Layer(torch.nn.Module):
        """One BERT layer; the attribute names keep the model's module path in the graph."""

        def __init__(self, layer: Any) -> None:
            super().__init__()
            self.attention = layer.attention
            self.intermediate = layer.intermediate
            self.output = layer.output

        def forward(self, states: Any) -> Any:
            own = self.attention.self
            query, key, value = (by_head(part(states)) for part in (own.query, own.key, own.value))
            weights = torch.softmax(query @ key.transpose(1, 2) * width**-0.5, dim=-1)
            mixed = (weights @ value).transpose(0, 1).reshape(-1, hidden)
            attended = self.attention.output(mixed, states)
            return self.output(self.intermediate(attended), attended)

    class SingleTextBert(torch.nn.Module):
        """BERT's embeddings (from word vectors) and layers, for one unpadded text."""

        def __init__(self) -> None:
            super().__init__()
            self.embeddings = bert.embeddings
            self.layer = torch.nn.ModuleList(Layer(layer) for layer in bert.encoder.layer)

        def words(self, ids: Any) -> Any:
            return self.embeddings.word_embeddings(ids)

        def forward(self, vectors: Any) -> Any:
            own = self.embeddings
            tokens = vectors.shape[1]
            # Two-dimensional states from here on: ONNX Runtime multiplied (tokens, hidden)
            # by int8 weights in about 30% less time than (1, tokens, hidden).
            placed = vectors[0] + own.token_type_embeddings.weight[0]
            states = own.LayerNorm(placed + own.position_embeddings.weight[:tokens])
            for layer in self.layer:
                states = layer(states)
            return states

    return SingleTextBert().eval()
