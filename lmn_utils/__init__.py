"""lmn_utils: the Linear Mapping Number (Liu, Zhong, Tegmark 2023) and the grokking experiments."""
from .device import get_device, set_seed
from .estimate import estimate_duration
from .folders import input_folder, output_folder, write_text
from .history import History, phase_steps
from .measures import (ACTIVATIONS, Sin, activation_pattern, count_regions_on_grid,
                       effective_number, effective_number_of_regions, linear_connectivity,
                       linear_mapping_number, lmn, lmn_from_connectivity, make_mlp,
                       record_values, region_labels, samples_per_region, segment_breakpoints,
                       von_neumann_entropy)
from .models import LAYERS, EmbedMLP, EmbedMLPStack, layer_lmn
from .modes import check_modes, quick_settings, train_or_load
from .parameters import check_parameters
from .tasks import Task, make_task
from .schedule import checkpoint_steps
from .signals import signal_settings
from .train import TrainConfig, train
from .transformer import TransformerStack

__all__ = ["lmn", "record_values", "get_device", "set_seed", "History", "phase_steps", "effective_number",
           "linear_connectivity", "linear_mapping_number", "lmn_from_connectivity",
           "von_neumann_entropy", "ACTIVATIONS", "LAYERS", "EmbedMLP", "EmbedMLPStack",
           "layer_lmn", "activation_pattern", "count_regions_on_grid",
           "effective_number_of_regions", "make_mlp", "region_labels", "samples_per_region",
           "segment_breakpoints", "Sin", "Task", "make_task", "TrainConfig", "checkpoint_steps",
           "train", "input_folder", "output_folder", "write_text", "check_parameters",
           "TransformerStack", "check_modes", "quick_settings", "train_or_load",
           "estimate_duration", "signal_settings"]
__version__ = "0.1.0"
