"""Training signals beyond the loss (the paper's future work): an LMN penalty, Grokfast-EMA and
a Jacobian penalty, each off by default (TrainConfig), so every run without them is unchanged.

- **LMN penalty** (`sampled_nonlinearity`): each step, `lmn_penalty_pairs` fresh random pairs
  of inputs per seed (from its training inputs, or from all inputs, which needs no labels),
  and the mean nonlinearity 1 - L_ij of their paths from hidden1 (the paper's tap) to the
  logits, at the metric's 21 points. The mean of 1 - L_ij rather than the entropy of the
  sampled matrix: it is an unbiased estimate of the mean off-diagonal nonlinearity of the
  full matrix from any number of pairs, while the entropy of a sampled sub-matrix is biased
  by its size; both fall as L's off-diagonal mass grows. Optionally only once a seed has
  memorised (`lmn_penalty_after_memorising`: its train accuracy at a record step is 100%).
- **Grokfast-EMA** (Lee et al. 2024): after the backward pass, an exponential moving average
  of each gradient, ema <- alpha ema + (1 - alpha) g, is added to it: g <- g + lambda ema
  (their `gradfilter_ema`, whose first call starts the average at the gradient itself).
- **Jacobian penalty**: the squared Frobenius norm of the Jacobian of the logits with respect
  to the concatenated embeddings, on the training inputs, estimated with one Gaussian random
  projection per step (E ||v^T J||^2 = ||J||_F^2 for v ~ N(0, I)), in the spirit of GrokAlign.

Each member of a stack draws its own pairs and projections from a generator seeded by its
seed, and every term is a sum over members of that member's own term, so a seed trains the
same alone or stacked.
"""
import torch

LMN_PAIR_SALT = 7919       # generator seeds: seed * 1000003 + salt, one stream per signal
JACOBIAN_SALT = 104729
# the TrainConfig fields of the signals (a notebook's `signals` parameter holds some of them)
SIGNAL_FIELDS = ("lmn_penalty", "lmn_penalty_pairs", "lmn_penalty_inputs",
                 "lmn_penalty_after_memorising", "grokfast_alpha", "grokfast_lambda",
                 "jacobian_penalty")


def signal_settings(signals):
    """A notebook's `signals` parameter ({field: value}, {} for none) checked for its keys; the
    values are checked by TrainConfig.validate."""
    if not isinstance(signals, dict):
        raise ValueError(f"signals must be a dict of TrainConfig signal fields, got {signals!r}")
    unknown = sorted(set(signals) - set(SIGNAL_FIELDS))
    if unknown:
        raise ValueError(f"signals: unknown setting(s) {unknown}; allowed: {list(SIGNAL_FIELDS)}")
    return dict(signals)


def describe_signals(config):
    """'' when no signal is on, else the settings of those that are, for a run's description."""
    parts = []
    if config.lmn_penalty:
        when = ", once memorised" if config.lmn_penalty_after_memorising else ""
        parts.append(f"LMN penalty {config.lmn_penalty:g} ({config.lmn_penalty_pairs} pairs of "
                     f"{config.lmn_penalty_inputs} inputs{when})")
    if config.grokfast_lambda:
        parts.append(f"Grokfast-EMA (alpha {config.grokfast_alpha:g}, "
                     f"lambda {config.grokfast_lambda:g})")
    if config.jacobian_penalty:
        parts.append(f"Jacobian penalty {config.jacobian_penalty:g}")
    return "; ".join(parts)


def _generators(seeds, salt, device):
    return [torch.Generator(device=device).manual_seed(int(seed) * 1000003 + salt)
            for seed in seeds]


def draw_pairs(generators, pool_size, pairs):
    """([S, pairs], [S, pairs]) row indices i != j into a pool of `pool_size` inputs, one row
    of pairs per generator (member), drawn i first, then j."""
    draws = []
    for g in generators:
        i = torch.randint(pool_size, (pairs,), generator=g)
        j = torch.randint(pool_size - 1, (pairs,), generator=g)
        draws.append((i, j + (j >= i)))  # j != i
    return tuple(torch.stack(d) for d in zip(*draws))


def path_r2(y, t):
    """Mean over output coordinates of r^2 of y [..., n, K] against t [n] (along dim -2); a
    coordinate constant along the path counts as 1 (as in the metric)."""
    tc = t - t.mean()
    yc = y - y.mean(-2, keepdim=True)
    cov = (tc[:, None] * yc).sum(-2)
    var = (yc * yc).sum(-2)
    constant = var <= 1e-12 * (y.detach().abs().amax(-2) ** 2 + 1e-30)
    r2 = torch.where(constant, torch.ones_like(var), cov * cov / ((tc * tc).sum() * var.clamp_min(1e-30)))
    return r2.mean(-1)


def sampled_nonlinearity(stack, inputs, i, j, n_points=21):
    """Per member [S]: the mean of 1 - L_ij over its pairs (i[s], j[s]) of rows of `inputs`
    ([M, 2] shared or [S, M, 2] per member), from hidden1 to the logits. Differentiable."""
    h = stack.hidden1(inputs)                                   # [S, M, H]
    S, _, H = h.shape
    take = lambda rows: h.gather(1, rows[..., None].expand(-1, -1, H))  # noqa: E731
    start, end = take(i), take(j)                               # [S, P, H]
    t = torch.linspace(0, 1, n_points, dtype=h.dtype, device=h.device)
    path = start[:, :, None] + t[None, None, :, None] * (end - start)[:, :, None]
    y = stack.from_hidden1(path.reshape(S, -1, H)).reshape(S, i.shape[1], n_points, -1)
    return (1 - path_r2(y, t)).mean(1)


def jacobian_norm(stack, inputs, generators):
    """Per member [S]: one random-projection estimate of ||d logits / d embeddings||_F^2,
    averaged over `inputs` (each member's own rows, [S, M, 2])."""
    x = stack.embedded(inputs)  # derived from the parameters: it requires grad already
    y = stack.from_embedded(x)
    v = torch.stack([torch.randn(y.shape[1:], generator=g, device=g.device, dtype=y.dtype)
                     for g in generators])
    grad, = torch.autograd.grad((y * v).sum(), x, create_graph=True)
    return grad.pow(2).sum(-1).mean(-1)


class GrokfastEMA:
    """Grokfast-EMA on every parameter with a gradient: call `apply()` after backward()."""

    def __init__(self, parameters, alpha, lamb):
        self.parameters, self.alpha, self.lamb = list(parameters), alpha, lamb
        self.average = None

    def apply(self):
        grads = [p.grad for p in self.parameters]
        if self.average is None:
            self.average = [g.detach().clone() for g in grads]
        for p, average in zip(self.parameters, self.average):
            average.mul_(self.alpha).add_(p.grad.detach(), alpha=1 - self.alpha)
            p.grad.add_(average, alpha=self.lamb)


class Signals:
    """The signals a config switches on, for one run: `extra_loss(stack)` before backward,
    `filter_gradients()` after it, `saw_train_accuracy(acc)` at every record step."""

    def __init__(self, config, stack, inputs, train_inputs):
        self.config, self.inputs, self.train_inputs = config, inputs, train_inputs
        device = inputs.device
        self.pair_generators = _generators(config.seeds, LMN_PAIR_SALT, "cpu")
        self.jacobian_generators = _generators(config.seeds, JACOBIAN_SALT, device)
        self.memorised = torch.zeros(len(config.seeds), dtype=torch.bool)
        self.grokfast = (GrokfastEMA(stack.parameters(), config.grokfast_alpha,
                                     config.grokfast_lambda) if config.grokfast_lambda else None)

    @staticmethod
    def wanted(config):
        """Whether any signal is on (else `train` runs exactly the plain loop)."""
        return bool(config.lmn_penalty or config.grokfast_lambda or config.jacobian_penalty)

    def saw_train_accuracy(self, train_acc):
        self.memorised |= (torch.as_tensor(train_acc).cpu() >= 1.0)

    def _pairs(self, pool_size):
        i, j = draw_pairs(self.pair_generators, pool_size, self.config.lmn_penalty_pairs)
        return i.to(self.inputs.device), j.to(self.inputs.device)

    def extra_loss(self, stack):
        total = 0.0
        c = self.config
        if c.lmn_penalty:
            pool = self.train_inputs if c.lmn_penalty_inputs == "train" else self.inputs
            i, j = self._pairs(pool.shape[-2])
            per_member = sampled_nonlinearity(stack, pool, i, j)
            if c.lmn_penalty_after_memorising:
                per_member = per_member * self.memorised.to(per_member)
            total = total + c.lmn_penalty * per_member.sum()
        if c.jacobian_penalty:
            total = total + c.jacobian_penalty * jacobian_norm(
                stack, self.train_inputs, self.jacobian_generators).sum()
        return total

    def filter_gradients(self):
        if self.grokfast is not None:
            self.grokfast.apply()
