"""Reusable reward components and reward-hack detectors (pure functions, typed)."""
