"""The paper's embedding MLP, its points by name, and a stack of seeds trained as one model.

The model protocol, shared with the transformer (`transformer.py`): `POINTS` names where LMN
can be measured, `values(inputs, at)` gives the values there and `tail(at)` the function from
there to the logits. The MLP's points: "embedding", "hidden1_pre" (the first Linear's output,
before the activation), "hidden1" (after it), "hidden2_pre", "hidden2" and "logits". Because
interpolation commutes with affine maps, exact identities hold (tests check them):
  LMN(embedding) == LMN(hidden1_pre)    the first Linear is affine
  LMN(hidden1) == LMN(hidden2_pre)
  LMN(hidden2) == 1                     its tail is a single Linear
"hidden1" (after the activation) is the paper's tap: it is the only reading under which the
paper's Figure 3 can show the embedding and the first hidden layer as different curves;
Figure 3's hidden2 is then plotted at "hidden2_pre" (equal to hidden1, see notebook 07). The
old calls `layer_values(inputs, layer, tap)` and `tail(layer, tap)` still work for one
release, with a DeprecationWarning.
"""
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from .measures.activations import ACTIVATIONS, check_activation
from .measures.metric import linear_mapping_number

LAYERS = ("embedding", "hidden1", "hidden2", "logits")
TAPS = ("post", "pre")
POINTS = ("embedding", "hidden1_pre", "hidden1", "hidden2_pre", "hidden2", "logits")


def check_layer(layer, tap="post"):
    """A point name of POINTS, or (old style) a layer of LAYERS with a tap of TAPS."""
    if tap == "post" and layer in POINTS:
        return
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {list(POINTS)}, got {layer!r}")
    if tap not in TAPS:
        raise ValueError(f"tap must be one of {list(TAPS)}, got {tap!r}")


def point_name(layer, tap="post"):
    """The point of an old-style (layer, tap): ("hidden1", "pre") -> "hidden1_pre"."""
    check_layer(layer, tap)
    return f"{layer}_pre" if tap == "pre" and layer in ("hidden1", "hidden2") else layer


def _deprecated(old, new):
    warnings.warn(f"{old} is deprecated; use {new} (the protocol the transformer shares)",
                  DeprecationWarning, stacklevel=3)


class EmbedMLP(nn.Module):
    """Embed a and b (embed_dim each), concatenate, Linear-act-Linear-act-Linear."""

    def __init__(self, num_tokens, num_classes, embed_dim=32, hidden_dim=100, activation="silu"):
        super().__init__()
        check_activation(activation)
        self.activation = activation
        self.embed = nn.Embedding(num_tokens, embed_dim)
        self.lin1 = nn.Linear(2 * embed_dim, hidden_dim)
        self.lin2 = nn.Linear(hidden_dim, hidden_dim)
        self.lin3 = nn.Linear(hidden_dim, num_classes)
        self.act = ACTIVATIONS[activation]()

    def forward(self, inputs):
        return self.tail("embedding")(self.embed(inputs).flatten(1))

    def activations(self, inputs):
        """Every layer's values on `inputs` [M, 2]: keys "embedding", "hidden1_pre",
        "hidden1", "hidden2_pre", "hidden2", "logits" (hiddenK is after the activation)."""
        acts = {"embedding": self.embed(inputs).flatten(1)}
        acts["hidden1_pre"] = self.lin1(acts["embedding"])
        acts["hidden1"] = self.act(acts["hidden1_pre"])
        acts["hidden2_pre"] = self.lin2(acts["hidden1"])
        acts["hidden2"] = self.act(acts["hidden2_pre"])
        acts["logits"] = self.lin3(acts["hidden2"])
        return acts

    def values(self, inputs, at):
        """The values at point `at` (one of POINTS) on `inputs` [M, 2]."""
        check_layer(at)
        return self.activations(inputs)[point_name(at)]

    def tail(self, at, tap=None):
        """nn.Sequential from point `at` (one of POINTS) to the logits."""
        if tap is not None:
            _deprecated("tail(layer, tap)", "tail(point), e.g. tail('hidden1_pre')")
            at = point_name(at, tap)
        check_layer(at)
        modules = [self.lin1, self.act, self.lin2, self.act, self.lin3]
        return nn.Sequential(*modules[POINTS.index(point_name(at)):])

    def layer_values(self, inputs, layer, tap="post"):
        """Deprecated: `values(inputs, point)`."""
        _deprecated("layer_values(inputs, layer, tap)", "values(inputs, point)")
        return self.values(inputs, point_name(layer, tap))


def layer_lmn(model, inputs, at="hidden1", **lmn_kwargs):
    """LMN from point `at` (one of POINTS) to the logits, measured on `inputs` (the paper's
    Figures 2 and 3).

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> model = EmbedMLP(num_tokens=5, num_classes=5, embed_dim=4, hidden_dim=8)
        >>> inputs = torch.cartesian_prod(torch.arange(5), torch.arange(5))
        >>> round(layer_lmn(model, inputs, "hidden2"), 3)  # its tail is one Linear: one mapping
        1.0
    """
    with torch.no_grad():
        return linear_mapping_number(model.tail(at), model.values(inputs, at), **lmn_kwargs)


class EmbedMLPStack(nn.Module):
    """Several EmbedMLPs (one per seed) with stacked weights: one batched forward (bmm).

    Each member is initialised exactly as `EmbedMLP` is under `torch.manual_seed(seed)`, so a
    seed trains the same whether alone or in a stack (up to float summation order).
    """

    def __init__(self, members):
        super().__init__()
        first = members[0]
        self.config = dict(num_tokens=first.embed.num_embeddings,
                           num_classes=first.lin3.out_features,
                           embed_dim=first.embed.embedding_dim,
                           hidden_dim=first.lin1.out_features, activation=first.activation)
        stack = lambda fn: nn.Parameter(torch.stack([fn(m).detach() for m in members]))  # noqa: E731
        self.embed = stack(lambda m: m.embed.weight)
        for k in (1, 2, 3):
            setattr(self, f"W{k}", stack(lambda m: getattr(m, f"lin{k}").weight.T))
            setattr(self, f"b{k}", stack(lambda m: getattr(m, f"lin{k}").bias[None, :]))
        self.act = ACTIVATIONS[first.activation]()
        self.compute_dtype = None  # None: the parameters' dtype; see `forward`

    @classmethod
    def from_seeds(cls, seeds, **model_kwargs):
        members = []
        for seed in seeds:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                members.append(EmbedMLP(**model_kwargs))
        return cls(members)

    def forward(self, inputs):
        """Logits [S, M, C] of every member on `inputs`: [M, 2] shared, or [S, M, 2] per member.

        With `compute_dtype` set (e.g. float32 under float64 parameters), the layers run in that
        dtype on cast copies of the weights and the logits come back in the parameters' dtype,
        so the loss, the gradients reaching the parameters and the optimizer keep full precision.
        """
        return self.from_embedded(self.embedded(inputs)).to(self.W1.dtype)

    def _cast(self, weight):
        """A weight in the layers' dtype (`compute_dtype`, or the parameters' own)."""
        if self.compute_dtype in (None, weight.dtype):
            return weight
        return weight.to(self.compute_dtype)

    def embedded(self, inputs):
        """Every member's concatenated embeddings [S, M, 2 embed_dim], in the layers' dtype."""
        return concatenated_embeddings(self._cast(self.embed), inputs)

    def hidden1(self, inputs):
        """hidden1 (after its activation) of every member [S, M, hidden_dim]."""
        return self.act(torch.baddbmm(self._cast(self.b1), self.embedded(inputs),
                                      self._cast(self.W1)))

    def from_embedded(self, x):
        """Logits [S, B, C] from concatenated embeddings x [S, B, 2 embed_dim] (layers' dtype)."""
        return self.from_hidden1(self.act(torch.baddbmm(self._cast(self.b1), x,
                                                        self._cast(self.W1))))

    def from_hidden1(self, h):
        """Logits [S, B, C] from hidden1 values h [S, B, hidden_dim] (layers' dtype)."""
        h = self.act(torch.baddbmm(self._cast(self.b2), h, self._cast(self.W2)))
        return torch.baddbmm(self._cast(self.b3), h, self._cast(self.W3))

    def l2_norms(self):
        """L2 norm of all parameters of each member, [S]."""
        return torch.sqrt(sum(p.detach().pow(2).flatten(1).sum(1) for p in self.parameters()))

    def member(self, s):
        """Member s as a standalone EmbedMLP (a copy of the current weights)."""
        p = next(self.parameters())
        model = EmbedMLP(**self.config).to(p.device, p.dtype)
        with torch.no_grad():
            model.embed.weight.copy_(self.embed[s])
            for k in (1, 2, 3):
                getattr(model, f"lin{k}").weight.copy_(getattr(self, f"W{k}")[s].T)
                getattr(model, f"lin{k}").bias.copy_(getattr(self, f"b{k}")[s, 0])
        return model

    def values(self, inputs, at, member=0):
        """The values at point `at` of `member` on `inputs` (the protocol of `EmbedMLP`)."""
        return self.member(member).values(inputs, at)

    def tail(self, at, member=0):
        """The function from point `at` to the logits of `member`."""
        return self.member(member).tail(at)

    def member_lmn(self, member, inputs, at="hidden1", **lmn_kwargs):
        """LMN of `member` from point `at` to the logits, measured on `inputs`."""
        return layer_lmn(self.member(member), inputs, at, **lmn_kwargs)

    def __len__(self):
        return self.embed.shape[0]


def concatenated_embeddings(tables, inputs):
    """Rows of each member's table [S, T, D] for `inputs` ([M, k] or [S, M, k]) -> [S, M, kD].

    Repeatable bit for bit on every device. On the CPU through index_select (the gradient of
    advanced indexing summed float32 rows in an order that varied between processes). Elsewhere
    through a one-hot matmul: the backward of index_select on CUDA is an atomic index_add_,
    whose summation order changes from run to run; a matmul's does not. Both are exact lookups.
    """
    S, T, D = tables.shape
    inputs = inputs.expand(S, *inputs.shape[-2:])
    if tables.device.type != "cpu":
        return one_hot_lookup(tables, inputs)
    offsets = torch.arange(S, device=inputs.device)[:, None, None] * T
    rows = (inputs + offsets).flatten()
    return tables.reshape(S * T, D).index_select(0, rows).view(S, inputs.shape[1], -1)


def one_hot_lookup(tables, inputs):
    """tables [S, T, D] looked up at inputs [S, M, k] as a batched matmul -> [S, M, kD]."""
    S, T, D = tables.shape
    one_hot = F.one_hot(inputs.reshape(S, -1), T).to(tables.dtype)
    return torch.bmm(one_hot, tables).view(S, inputs.shape[1], -1)


def cross_entropy_per_member(logits, labels):
    """Cross-entropy [S, M] of stacked logits [S, M, C] against labels [M] or [S, M]."""
    S, M, C = logits.shape
    labels = labels.expand(S, M).reshape(S * M)
    return F.cross_entropy(logits.reshape(S * M, C), labels, reduction="none").view(S, M)
