"""An independent, deliberately plain float64 evaluation of the paper's definitions."""
import numpy as np
import torch


def reference_connectivity(f, X, n_points=21, const_rtol=1e-9):
    """L_ij by a per-pair loop in float64: f on every interpolated point, r^2 per coordinate."""
    X = X.double()
    N = X.shape[0]
    with torch.no_grad():
        scale = np.abs(f(X).double().numpy()).max(0)
    ls = np.linspace(0.0, 1.0, n_points)
    L = np.eye(N)
    for i in range(N):
        for j in range(i + 1, N):
            path = torch.stack([X[i] + lam * (X[j] - X[i]) for lam in ls])
            with torch.no_grad():
                Y = f(path).double().numpy().reshape(n_points, -1)
            r2 = []
            for k in range(Y.shape[1]):
                y = Y[:, k]
                if y.std() <= const_rtol * scale[k]:
                    r2.append(1.0)
                else:
                    r2.append(np.corrcoef(ls, y)[0, 1] ** 2)
            L[i, j] = L[j, i] = np.mean(r2)
    return L


def reference_lmn(L):
    eig = np.abs(np.linalg.eigvalsh(np.asarray(L, dtype=np.float64)))
    p = eig / eig.sum()
    p = p[p > 0]
    return 2.0 ** (-(p * np.log2(p)).sum())
