"""A one-layer transformer that groks modular addition (Nanda et al. 2023), seeds stacked.

The model reads the three tokens a, b, "=" (token id `num_tokens`), adds learned positional
embeddings, applies one attention layer (all heads, no LayerNorm), a ReLU MLP with a residual
connection, and unembeds the last position. In a one-layer model only the last position's query
reaches the logits, so only that query is computed.

Points (where LMN is measured from, to the logits; `POINTS`, the model protocol of
`models.py`: `values(inputs, at, member)` and `tail(at, member)`):
  "embedding"   the token embeddings of a and b, concatenated [2 d_model]; the tail is the
                whole model (attention included), evaluated by the generic path
  "resid_mid"   the residual stream at the last position after attention, i.e. the MLP's
                input [d_model]; the tail z -> W_U (z + W_out relu(W_in z + b_in) + b_out) is a
                `ResidualMLP`, evaluated by an exact fast path (`measures/tail_plan.py`)
  "resid_post"  after the MLP; the tail is the unembedding, a linear map, so LMN == 1
Notebook 09 uses it.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .models import concatenated_embeddings
from .measures.metric import linear_mapping_number
from .measures.tail_plan import ResidualMLP
from .validation import check_int

POINTS = ("embedding", "resid_mid", "resid_post")
TAPS = POINTS  # the name notebook 09 and older code use
DEFAULT_SIZES = {"d_model": 64, "heads": 4, "d_mlp": 256}


def check_tap(tap):
    if tap not in TAPS:
        raise ValueError(f"tap must be one of {list(TAPS)}, got {tap!r}")


def check_sizes(d_model, heads, d_mlp):
    check_int("d_model", d_model, 1)
    check_int("heads", heads, 1)
    check_int("d_mlp", d_mlp, 1)
    if d_model % heads:
        raise ValueError(f"heads must divide d_model, got heads = {heads} for d_model = {d_model}")


def _member_weights(generator, num_tokens, num_classes, d_model, heads, d_mlp):
    """One member's initial weights, Nanda et al.'s initialisation (normal / sqrt(fan))."""
    d_head = d_model // heads
    normal = lambda *shape, fan=d_model: torch.randn(*shape, generator=generator) / math.sqrt(fan)  # noqa: E731
    return {
        "W_E": normal(num_tokens + 1, d_model), "W_pos": normal(3, d_model),
        "W_Q": normal(heads, d_model, d_head), "W_K": normal(heads, d_model, d_head),
        "W_V": normal(heads, d_model, d_head), "W_O": normal(heads, d_head, d_model),
        "W_in": normal(d_model, d_mlp), "b_in": torch.zeros(d_mlp),
        "W_out": normal(d_mlp, d_model), "b_out": torch.zeros(d_model),
        "W_U": normal(d_model, num_classes, fan=num_classes),
    }


class TransformerStack(nn.Module):
    """Several one-layer transformers (one per seed) with stacked weights [S, ...].

    Each member is initialised from its own seed (a torch.Generator), so a seed trains the same
    alone or in a stack (up to float summation order). Same interface as `EmbedMLPStack`:
    forward(inputs) -> logits [S, M, C], l2_norms(), member(s), compute_dtype, member_lmn.
    """

    def __init__(self, weights, config):
        super().__init__()
        self.config = dict(config)
        for name, value in weights.items():
            setattr(self, name, nn.Parameter(value))
        self.compute_dtype = None

    @classmethod
    def from_seeds(cls, seeds, num_tokens, num_classes, d_model=64, heads=4, d_mlp=256):
        check_sizes(d_model, heads, d_mlp)
        config = dict(num_tokens=num_tokens, num_classes=num_classes, d_model=d_model,
                      heads=heads, d_mlp=d_mlp)
        members = [_member_weights(torch.Generator().manual_seed(int(seed)), **config)
                   for seed in seeds]
        return cls({name: torch.stack([m[name] for m in members]) for name in members[0]}, config)

    def weights(self):
        """The parameters by name, in compute_dtype when one is set (mixed precision)."""
        dtype = self.W_E.dtype
        if self.compute_dtype in (None, dtype):
            return dict(self.named_parameters())
        return {name: p.to(self.compute_dtype) for name, p in self.named_parameters()}

    def token_embeddings(self, inputs, weights=None):
        """Embeddings of a, b and "=" plus positions, [S, M, 3, d_model]."""
        w = self.weights() if weights is None else weights
        S, M = self.W_E.shape[0], inputs.shape[-2]
        equals = torch.full_like(inputs[..., :1], self.config["num_tokens"])
        tokens = torch.cat([inputs, equals], -1).expand(S, M, 3)
        x = concatenated_embeddings(w["W_E"], tokens).view(S, M, 3, -1)
        return x + w["W_pos"][:, None]

    def resid_mid(self, x, w):
        """The last position after attention, from the position embeddings x [S, M, 3, d]."""
        d_head = w["W_Q"].shape[-1]
        q = torch.einsum("smd,shde->smhe", x[:, :, 2], w["W_Q"])
        k = torch.einsum("smtd,shde->smhte", x, w["W_K"])
        v = torch.einsum("smtd,shde->smhte", x, w["W_V"])
        pattern = torch.softmax(torch.einsum("smhe,smhte->smht", q, k) / math.sqrt(d_head), -1)
        z = torch.einsum("smht,smhte->smhe", pattern, v)
        return x[:, :, 2] + torch.einsum("smhe,shed->smd", z, w["W_O"])

    def activations(self, inputs):
        """Every tap's values on `inputs` [M, 2]: "embedding", "resid_mid", "resid_post",
        "logits", each [S, M, ...]."""
        w = self.weights()
        x = self.token_embeddings(inputs, w)
        embedding = x[:, :, :2].flatten(2) - w["W_pos"][:, None, :2].flatten(2)
        return {"embedding": embedding, **self.after_embedding(x, w)}

    def after_embedding(self, x, w):
        """"resid_mid", "resid_post" and "logits" from the embedded positions x [S, M, 3, d]."""
        resid_mid = self.resid_mid(x, w)
        hidden = F.relu(torch.baddbmm(w["b_in"][:, None], resid_mid, w["W_in"]))
        resid_post = resid_mid + torch.baddbmm(w["b_out"][:, None], hidden, w["W_out"])
        return {"resid_mid": resid_mid, "resid_post": resid_post,
                "logits": torch.bmm(resid_post, w["W_U"])}

    def forward(self, inputs):
        """Logits [S, M, C] of every member on `inputs` [M, 2], in the parameters' dtype."""
        return self.activations(inputs)["logits"].to(self.W_E.dtype)

    def l2_norms(self):
        """L2 norm of all parameters of each member, [S]."""
        return torch.sqrt(sum(p.detach().pow(2).flatten(1).sum(1) for p in self.parameters()))

    def member(self, s):
        """Member s as a stack of one (a copy of the current weights)."""
        weights = {name: p.detach()[s:s + 1].clone() for name, p in self.named_parameters()}
        return TransformerStack(weights, self.config)

    def tail(self, at, member=0):
        """The function from point `at` to the logits of `member` (the module docstring)."""
        check_tap(at)
        tap, s = at, member
        w = {name: p.detach()[s] for name, p in self.named_parameters()}
        if tap == "resid_mid":
            return ResidualMLP(w["W_in"].T, w["b_in"], w["W_out"].T, w["b_out"], w["W_U"].T)
        if tap == "resid_post":
            return nn.Sequential(_linear(w["W_U"].T))
        return _EmbeddingTail(self.member(s))

    def values(self, inputs, at, member=0):
        """The values at point `at` of `member` on `inputs` [M, 2]."""
        check_tap(at)
        return self.activations(inputs)[at][member]

    def tap_values(self, inputs, tap, s=0):
        """Deprecated: `values(inputs, at, member)`."""
        import warnings
        warnings.warn("tap_values(inputs, tap, s) is deprecated; use values(inputs, at, member)",
                      DeprecationWarning, stacklevel=2)
        return self.values(inputs, tap, s)

    def member_lmn(self, member, inputs, at="resid_mid", **lmn_kwargs):
        """LMN of `member` from point `at` to the logits, measured on `inputs`."""
        with torch.no_grad():
            return linear_mapping_number(self.tail(at, member), self.values(inputs, at, member),
                                         **lmn_kwargs)

    def __len__(self):
        return self.W_E.shape[0]


def _linear(weight):
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
    layer.weight.data = weight
    return layer


class _EmbeddingTail(nn.Module):
    """The whole model as a function of the concatenated embeddings of a and b [B, 2 d]."""

    def __init__(self, member):
        super().__init__()
        self.member = member

    def forward(self, ab):
        w = self.member.weights()
        d = self.member.config["d_model"]
        equals = w["W_E"][:, self.member.config["num_tokens"]]
        x = torch.cat([ab.reshape(1, -1, 2, d), equals[:, None, None].expand(1, ab.shape[0], 1, d)], 2)
        x = x.to(w["W_pos"].dtype) + w["W_pos"][:, None]
        return self.member.after_embedding(x, w)["logits"][0]


def fourier_basis(p):
    """Orthonormal Fourier basis over Z_p, [p, p]: the constant, then cos k and sin k for
    k = 1 .. p // 2 (no sin row at k = p / 2 for even p). Returns (basis, frequency of each row)."""
    check_int("p", p, 2)
    x = torch.arange(p, dtype=torch.float64)
    rows, freqs = [torch.ones(p, dtype=torch.float64)], [0]
    for k in range(1, p // 2 + 1):
        rows.append(torch.cos(2 * math.pi * k * x / p))
        freqs.append(k)
        if 2 * k != p:
            rows.append(torch.sin(2 * math.pi * k * x / p))
            freqs.append(k)
    basis = torch.stack(rows)
    return basis / basis.norm(dim=1, keepdim=True), torch.tensor(freqs)


def frequency_norms(embedding):
    """Norm of a [p, d] embedding's component at each non-zero frequency k = 1 .. p // 2."""
    p = embedding.shape[0]
    basis, freqs = fourier_basis(p)
    components = basis @ embedding.detach().to("cpu", torch.float64)  # [p, d]
    squared = components.pow(2).sum(1)
    return torch.stack([squared[freqs == k].sum() for k in range(1, p // 2 + 1)]).sqrt()


def gini(values):
    """Gini coefficient of non-negative values: 0 when all are equal, (n - 1) / n when one
    holds everything."""
    x = torch.as_tensor(values, dtype=torch.float64).flatten().sort().values
    if len(x) == 0 or (x < 0).any() or x.sum() <= 0:
        raise ValueError("gini needs at least one value, all >= 0 and not all 0")
    n = len(x)
    ranks = torch.arange(1, n + 1, dtype=torch.float64)
    return float(2 * (ranks * x).sum() / (n * x.sum()) - (n + 1) / n)


def fourier_gini(stack, num_tokens):
    """Per member, the Gini coefficient of the token embeddings' frequency norms [S] (Nanda et
    al.'s sparsity of the embedding in the Fourier basis: it rises as the model generalises)."""
    return torch.tensor([gini(frequency_norms(stack.W_E[s, :num_tokens])) for s in range(len(stack))])
