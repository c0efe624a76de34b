"""Where LMN is measured: per seed, placed by that seed's phases, after training (notebooks 04-07).

Training keeps a float32 snapshot of the weights at every recorded step; LMN is evaluated
afterwards at a subset of those steps chosen per seed (`phase_schedule`):

- `before` steps before memorisation: step 0 and steps spaced evenly in log(step), to show the
  rise towards the peak;
- the memorisation step and the generalisation step themselves;
- `inside` steps strictly inside the generalising phase, at the recorded steps whose log test
  loss is nearest to evenly spaced values between its values at the two ends of the phase. The
  claim tested there is about LMN *against test loss*, and a fit is informative when its points
  cover the x-axis evenly; test loss falls slowly, then fast, so points even in step would
  crowd one end of the x-axis;
- `after` steps after generalisation, evenly spaced in step up to the last step (the XOR double
  descent and the levelling-off are read on a linear step axis).

A seed that never generalises gets `inside + after` points inside its (unfinished) phase; one
that never memorises gets the whole budget spread evenly over the run. Defaults (2, 16, 16):
at most 36 evaluations per seed.
"""
import numpy as np

DEFAULT_POINTS = (2, 16, 16)  # (before memorisation, inside the generalising phase, after)


def nearest(candidates, targets):
    """The distinct candidates nearest to each target (1-D arrays), in the candidates' order."""
    candidates = np.asarray(candidates)
    if len(candidates) == 0:
        return candidates
    picks = np.abs(candidates[None, :] - np.asarray(targets)[:, None]).argmin(1)
    return candidates[np.unique(picks)]


def spread(steps, count):
    """`count` of `steps` evenly spread by position (all of them if there are fewer)."""
    steps = np.asarray(steps)
    if count <= 0 or len(steps) == 0:
        return steps[:0]
    return steps[np.unique(np.round(np.linspace(0, len(steps) - 1, count)).astype(int))]


def top_up(chosen, candidates, count):
    """`chosen` plus evenly spread other candidates until it holds `count` (or all) of them."""
    chosen = np.asarray(chosen)
    rest = np.setdiff1d(candidates, chosen)
    missing = min(count - len(chosen), len(rest))
    return np.union1d(chosen, spread(rest, missing)) if missing > 0 else chosen


def before_memorisation(steps, memorised, count):
    candidates = steps[steps < memorised]
    if count <= 0 or len(candidates) == 0:
        return candidates[:0]
    positive = candidates[candidates > 0]
    targets = np.geomspace(1, memorised, count + 1)[1:-1] if len(positive) else []
    return top_up(np.union1d(candidates[:1], nearest(positive, targets)), candidates, count)


def inside_phase(steps, test_loss, start, end, count):
    """`count` recorded steps strictly between start and end, even in log test loss."""
    inside = (steps > start) & (steps < end)
    candidates, loss = steps[inside], np.log(np.maximum(test_loss[inside], 1e-300))
    if count <= 0 or len(candidates) == 0:
        return candidates[:0]
    at = lambda s: np.log(max(test_loss[np.searchsorted(steps, s)], 1e-300))  # noqa: E731
    targets = np.linspace(at(start), at(end), count + 2)[1:-1]
    picks = np.unique(np.abs(loss[None, :] - targets[:, None]).argmin(1))
    return top_up(candidates[picks], candidates, count)


def phase_schedule(steps, test_loss, memorised, generalised, points=DEFAULT_POINTS):
    """Sorted recorded steps at which to measure LMN for one seed (see the module docstring).

    steps: the recorded steps (sorted); test_loss: that seed's test loss at them; memorised,
    generalised: its phase steps (recorded steps, or None if never reached)."""
    steps, test_loss = np.asarray(steps), np.asarray(test_loss, dtype=float)
    before, inside, after = points
    if memorised is None:
        return spread(steps, before + inside + after + 2)
    last = int(steps[-1])
    end = generalised if generalised is not None else last
    inside_count = inside if generalised is not None else inside + after
    chosen = [before_memorisation(steps, memorised, before), [memorised, end],
              inside_phase(steps, test_loss, memorised, end, inside_count)]
    if generalised is not None:
        chosen.append(spread(steps[steps > generalised], after))
    return np.unique(np.concatenate([np.asarray(c, dtype=int) for c in chosen]))


def checkpoint_steps(steps, num):
    """About `num` steps in [0, steps], half log-spaced, half evenly spaced; 0 and steps included."""
    if num <= 0:
        return []
    log_part = np.geomspace(1, steps, max(num // 2, 1))
    lin_part = np.linspace(0, steps, max(num - num // 2, 2))
    return sorted({0, steps, *np.round(log_part).astype(int), *np.round(lin_part).astype(int)})


def grid_schedule(steps, count):
    """The old fixed grid: about `count` recorded steps, half log-spaced, half evenly spaced."""
    return nearest(steps, checkpoint_steps(int(steps[-1]), count))
