"""The measures, readable on their own: LMN and its connectivity matrix (`metric`, with the fast
evaluation of recognised tails in `tail_plan` and the path kernel in `paths`), `lmn()`
for any torch model (`model_lmn`), linear regions of ReLU nets (`regions`), spectral clustering
of a connectivity matrix (`clustering`) and the activation table (`activations`). They import
nothing from the rest of lmn_utils but `device` (a test walks the import graph)."""
from .activations import ACTIVATIONS, Sin
from .metric import (effective_number, linear_connectivity, linear_mapping_number,
                  lmn_from_connectivity, von_neumann_entropy)
from .model_lmn import lmn, record_values
from .regions import (activation_pattern, count_regions_on_grid, effective_number_of_regions,
                      make_mlp, region_labels, samples_per_region, segment_breakpoints)

__all__ = ["ACTIVATIONS", "Sin", "effective_number", "linear_connectivity",
           "linear_mapping_number", "lmn_from_connectivity", "von_neumann_entropy", "lmn",
           "record_values", "activation_pattern", "count_regions_on_grid",
           "effective_number_of_regions", "make_mlp", "region_labels", "samples_per_region",
           "segment_breakpoints"]
