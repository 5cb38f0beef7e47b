//! Thompson-sampling bandits (in progress).
