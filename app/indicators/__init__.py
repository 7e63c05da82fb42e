"""Impact indicators of the start-ups, computed from the data of the bound territory."""
