"""Spectral clustering of a connectivity matrix (von Luxburg 2007, normalised; numpy only).

Notebook 07 uses it to reorder L into clusters for the paper's Figure 4.
"""
import numpy as np


def _kmeans(points, k, seed, iterations=100):
    rng = np.random.default_rng(seed)
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):  # k-means++ initialisation
        dist = np.min([((points - c) ** 2).sum(1) for c in centres], axis=0)
        centres.append(points[rng.choice(len(points), p=dist / dist.sum())] if dist.sum() > 0
                       else points[rng.integers(len(points))])
    centres = np.array(centres)
    for _ in range(iterations):
        labels = ((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
        new = np.array([points[labels == c].mean(0) if (labels == c).any() else centres[c]
                        for c in range(k)])
        if np.allclose(new, centres):
            break
        centres = new
    return labels


def spectral_clusters(L, num_clusters=10, seed=0):
    """Cluster labels [N] of the samples, from the affinity max(L, 0)."""
    A = np.clip(np.asarray(L, dtype=float), 0, None)
    if not isinstance(num_clusters, int) or not 1 <= num_clusters <= len(A):
        raise ValueError(f"num_clusters must be an integer in [1, {len(A)}], got {num_clusters!r}")
    d = A.sum(1)
    inv_sqrt = 1 / np.sqrt(np.where(d > 0, d, 1))
    normalised = inv_sqrt[:, None] * A * inv_sqrt[None, :]
    _, vectors = np.linalg.eigh(normalised)
    embedding = vectors[:, -num_clusters:]
    embedding /= np.maximum(np.linalg.norm(embedding, axis=1, keepdims=True), 1e-12)
    return _kmeans(embedding, num_clusters, seed)


def cluster_order(labels):
    """A permutation that puts each cluster's samples together, largest cluster first."""
    sizes = np.bincount(labels)
    rank = np.argsort(np.argsort(-sizes, kind="stable"), kind="stable")
    return np.lexsort((np.arange(len(labels)), rank[labels]))
